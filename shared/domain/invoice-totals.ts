/**
 * Invoice arithmetic, exact in integer units: each line is quantity × unit price rounded once to the
 * cent, and the invoice total is the plain sum of those printed line amounts.
 */
import { ValidationError } from '../errors.ts'
import { isMoneyInRange, lineTotal, sumMoney } from '../money.ts'

export interface LineToPrice {
  /** Ten-thousandths of a unit (`parseQuantity`). */
  quantity: bigint
  /** Cents; negative for a discount or credit line. */
  unitPrice: bigint
}

export interface PricedLine extends LineToPrice {
  lineTotal: bigint
}

/** Lines with their amounts, and the invoice total. @throws ValidationError when an amount leaves the money range. */
export function priceInvoiceLines(lines: readonly LineToPrice[]): { lines: PricedLine[]; total: bigint } {
  const priced = lines.map((line) => ({ ...line, lineTotal: lineTotal(line.quantity, line.unitPrice) }))
  return { lines: priced, total: invoiceTotal(priced.map((line) => line.lineTotal)) }
}

/** Σ line totals. @throws ValidationError when the sum leaves the money range. */
export function invoiceTotal(lineTotals: Iterable<bigint>): bigint {
  const total = sumMoney(lineTotals)
  if (!isMoneyInRange(total)) throw new ValidationError('invoice total is out of range', [{ path: ['lines'], message: 'the lines add up to more than the largest amount' }])
  return total
}
