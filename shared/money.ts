/**
 * Exact money arithmetic. Amounts are integer minor units (cents) held as bigint; quantities are
 * integer ten-thousandths. No floating-point value ever takes part in a computation, so
 * `0.10 + 0.20` is exactly `0.30` by construction.
 */
import { ValidationError } from './errors.ts'

/**
 * Largest amount, in cents, that we accept: 9,999,999,999,999.99. Fifteen significant digits is
 * what a double always reproduces exactly through its shortest spelling, so every amount survives
 * a trip through a JSON number (cents / 100) and back. Beyond that, neighbouring cents start to
 * share one double (from about 7e13 the spacing of doubles exceeds a cent).
 */
export const MAX_MONEY_CENTS = 999_999_999_999_999n

/** Quantities carry at most four decimals: 1 unit = 10,000 ten-thousandths. */
export const QUANTITY_SCALE = 10_000n

/**
 * One billion units. With four decimals that is at most 13 significant digits, well inside the
 * 15 digits a double always reproduces exactly through its shortest representation, so a quantity
 * stored as a float field round-trips to the same decimal.
 */
export const MAX_QUANTITY = 1_000_000_000n * QUANTITY_SCALE

const DECIMAL_TEXT = /^(-?)([0-9]+)(?:\.([0-9]+))?$/

/** Longer texts are certainly out of range; refusing them early keeps BigInt off huge inputs. */
const MAX_DECIMAL_TEXT_LENGTH = 40

function parseScaledDecimal(text: string, decimals: number, what: string): bigint {
  if (text.length > MAX_DECIMAL_TEXT_LENGTH) throw new ValidationError(`${what} is out of range`)
  const match = DECIMAL_TEXT.exec(text)
  if (match === null) throw new ValidationError(`${what} must be a decimal number such as 12.50, got ${JSON.stringify(text)}`)
  const sign = match[1] ?? ''
  const whole = match[2] ?? '0'
  const fraction = match[3] ?? ''
  if (fraction.length > decimals) {
    throw new ValidationError(`${what} has more than ${decimals} decimal places: ${text}`)
  }
  const magnitude = BigInt(whole + fraction.padEnd(decimals, '0'))
  return sign === '-' ? -magnitude : magnitude
}

/**
 * The shortest decimal text that reads back as `value` (what `String` gives), refusing exponent
 * forms: below 1e-6 a number has far more decimals than money or quantities allow, and from 1e21
 * up it is out of any range we accept.
 */
function numberToDecimalText(value: number, what: string): string {
  if (!Number.isFinite(value)) throw new ValidationError(`${what} must be a finite number`)
  const text = String(value === 0 ? 0 : value)
  if (text.includes('e-')) throw new ValidationError(`${what} has too many decimal places: ${text}`)
  if (text.includes('e')) throw new ValidationError(`${what} is out of range: ${text}`)
  return text
}

function checkMoneyRange(cents: bigint, what: string): bigint {
  if (cents > MAX_MONEY_CENTS || cents < -MAX_MONEY_CENTS) throw new ValidationError(`${what} is out of range`)
  return cents === 0n ? 0n : cents
}

/** True if `cents` is within the range every amount must stay in. */
export function isMoneyInRange(cents: bigint): boolean {
  return cents <= MAX_MONEY_CENTS && cents >= -MAX_MONEY_CENTS
}

/**
 * A decimal amount with at most two decimals (`"1850"`, `"18.5"`, `"-0.05"`) as cents.
 * @throws ValidationError for anything else, more than two decimals, or out of range.
 */
export function parseMoney(text: string): bigint {
  return checkMoneyRange(parseScaledDecimal(text, 2, 'amount'), 'amount')
}

/**
 * An amount from API input: a JSON number (read through its shortest decimal text, never multiplied
 * as a float, so 19.99 is exactly 1999 cents) or a decimal string.
 * @throws ValidationError when the value is not an amount with at most two decimals.
 */
export function moneyFromJson(value: unknown): bigint {
  if (typeof value === 'number') return parseMoney(numberToDecimalText(value, 'amount'))
  if (typeof value === 'string') return parseMoney(value)
  throw new ValidationError('amount must be a number or a decimal string')
}

/** Cents as a decimal with exactly two places: 185000n → "1850.00", -5n → "-0.05". */
export function formatMoney(cents: bigint): string {
  const negative = cents < 0n
  const magnitude = negative ? -cents : cents
  const fraction = (magnitude % 100n).toString().padStart(2, '0')
  return `${negative ? '-' : ''}${magnitude / 100n}.${fraction}`
}

/** Cents as a JSON number (1850 for 1850.00, 0.3 for 30 cents): the double nearest the exact decimal. */
export function moneyToNumber(cents: bigint): number {
  return Number(formatMoney(cents))
}

/**
 * A positive quantity with at most four decimals, as ten-thousandths (1.5 → 15000n).
 * Accepts a JSON number (through its shortest decimal text) or a decimal string.
 * @throws ValidationError for zero, negatives, more than four decimals, or above MAX_QUANTITY.
 */
export function parseQuantity(value: unknown): bigint {
  let text: string
  if (typeof value === 'number') text = numberToDecimalText(value, 'quantity')
  else if (typeof value === 'string') text = value
  else throw new ValidationError('quantity must be a number or a decimal string')
  const quantity = parseScaledDecimal(text, 4, 'quantity')
  if (quantity <= 0n) throw new ValidationError(`quantity must be greater than zero, got ${text}`)
  if (quantity > MAX_QUANTITY) throw new ValidationError('quantity is out of range')
  return quantity
}

/** Ten-thousandths as the shortest decimal: 15000n → "1.5", 3333n → "0.3333", 30000n → "3". */
export function formatQuantity(tenThousandths: bigint): string {
  const negative = tenThousandths < 0n
  const magnitude = negative ? -tenThousandths : tenThousandths
  const whole = magnitude / QUANTITY_SCALE
  const fraction = (magnitude % QUANTITY_SCALE).toString().padStart(4, '0').replace(/0+$/, '')
  return `${negative ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`
}

/** A quantity as a JSON number; exact for every quantity parseQuantity accepts (see MAX_QUANTITY). */
export function quantityToNumber(tenThousandths: bigint): number {
  return Number(formatQuantity(tenThousandths))
}

/**
 * `numerator / divisor` rounded to the nearest integer, ties away from zero (commercial rounding:
 * half a cent is charged as a whole cent, and a negative half cent as a whole negative cent, so
 * rounding is symmetric for credits and debits).
 */
function divideRoundingHalfAwayFromZero(numerator: bigint, divisor: bigint): bigint {
  const quotient = numerator / divisor // BigInt division truncates toward zero
  const remainder = numerator % divisor // and the remainder takes the numerator's sign
  const twiceRemainder = (remainder < 0n ? -remainder : remainder) * 2n
  if (twiceRemainder < divisor) return quotient
  return numerator < 0n ? quotient - 1n : quotient + 1n
}

/**
 * The amount of one invoice line: quantity × unit price, computed exactly and rounded once to the
 * cent, half away from zero. 3 × 33.33 = 99.99; 0.3333 × 10.00 = 3.333 → 3.33; 0.5 × 0.01 = 0.005
 * → 0.01; 0.5 × −0.01 → −0.01. Rounding per line (not on the invoice sum) is what the customer sees
 * printed on each line, so the total is the sum of the printed line amounts.
 * @throws ValidationError if the result is out of the money range.
 */
export function lineTotal(quantityTenThousandths: bigint, unitPriceCents: bigint): bigint {
  const cents = divideRoundingHalfAwayFromZero(quantityTenThousandths * unitPriceCents, QUANTITY_SCALE)
  return checkMoneyRange(cents, 'line total')
}

/** The exact sum of amounts in cents. */
export function sumMoney(amounts: Iterable<bigint>): bigint {
  let total = 0n
  for (const amount of amounts) total += amount
  return total
}
