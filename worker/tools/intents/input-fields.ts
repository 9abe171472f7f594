/**
 * zod pieces the intent tools' input schemas share. Money and quantities stay as the caller wrote them
 * (number or decimal string) and are checked here with the same parsers the handlers convert with, so
 * the schema has no transforms and its JSON Schema shows exactly what a caller may send.
 */
import { z } from 'zod'
import { isCalendarDate } from '../../../shared/agi/index.ts'
import { ValidationError } from '../../../shared/errors.ts'
import { isUuid } from '../../../shared/keys.ts'
import { moneyFromJson, parseQuantity } from '../../../shared/money.ts'

/** Optional: the platform fills it from the token and refuses a different one. */
export const tenantIdInput = z.string().optional().meta({ description: 'Your tenant id. Optional: it is taken from your token, and must match it if given.' })

export function recordIdInput(description: string) {
  return z.string().refine(isUuid, 'expected a lowercase UUID').meta({ format: 'uuid', description })
}

export function dateInput(description: string) {
  return z.string().refine(isCalendarDate, 'expected a date YYYY-MM-DD').meta({ format: 'date', description })
}

export function textInput(description: string, maxLength: number) {
  return z.string().min(1).max(maxLength).meta({ description })
}

/** The parser's own message (e.g. "amount has more than 2 decimal places: 1.005") becomes the issue. */
function checkedWith(parse: (value: unknown) => bigint, accept: (parsed: bigint) => string | undefined = () => undefined) {
  return (value: number | string, ctx: z.RefinementCtx) => {
    try {
      const problem = accept(parse(value))
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem })
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      ctx.addIssue({ code: 'custom', message: error.message })
    }
  }
}

const MONEY_RULE = 'A JSON number or a decimal string, at most two decimals (19.99 or "19.99").'

/** An amount in the invoice's currency; negative allowed (discount and credit lines). */
export function amountInput(description: string) {
  return z.union([z.number(), z.string()]).superRefine(checkedWith(moneyFromJson)).meta({ description: `${description} ${MONEY_RULE}` })
}

export function positiveAmountInput(description: string) {
  return z
    .union([z.number(), z.string()])
    .superRefine(checkedWith(moneyFromJson, (cents) => (cents > 0n ? undefined : 'amount must be greater than zero')))
    .meta({ description: `${description} Greater than zero. ${MONEY_RULE}` })
}

/** Zero allowed: a journal line leaves its other side at 0. */
export function nonNegativeAmountInput(description: string) {
  return z
    .union([z.number(), z.string()])
    .superRefine(checkedWith(moneyFromJson, (cents) => (cents >= 0n ? undefined : 'amount cannot be negative')))
    .meta({ description: `${description} ${MONEY_RULE}` })
}

export function quantityInput(description: string) {
  return z.union([z.number(), z.string()]).superRefine(checkedWith(parseQuantity)).meta({
    description: `${description} A positive JSON number or decimal string, at most four decimals.`,
  })
}
