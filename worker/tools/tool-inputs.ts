/**
 * The vocabulary of tool inputs: ids, dates, money, quantities, tenant, `expected_version` and text, one
 * definition each, for the generic and the intent tools alike. Each input is checked with the same rule
 * (and, for money and quantities, the same parser) the handlers and the store apply, so a value a tool's
 * schema takes is one the tool can use, and two tools never disagree on what an id is. The schemas have no
 * transforms: their JSON Schema shows exactly what a caller may send.
 */
import * as z from 'zod'
import { isCalendarDate } from '../../shared/agi/index.ts'
import { ValidationError } from '../../shared/errors.ts'
import { moneyFromJson, parseQuantity } from '../../shared/money.ts'
import { UTC_DATETIME_PATTERN, UUID_PATTERN } from '../../shared/patterns.ts'

const TENANT_NOTE = 'Your tenant id. Optional: it is taken from your token, and must match it if given.'

/** Optional: the platform fills it from the token and refuses a different one. */
export const tenantIdInput = z.string().optional().meta({ description: TENANT_NOTE })

/** `tenant_id` among an edit's fields: the same, and it can never change. */
export const unchangingTenantIdInput = z.string().optional().meta({ description: `${TENANT_NOTE} It cannot change.` })

/** The id rule of every tool: the UUIDs a record key takes (`isUuid` in shared/keys.ts). */
export function idInput(description = 'A record id, a lowercase UUID.') {
  return z.string().regex(UUID_PATTERN, 'expected a lowercase UUID').meta({ format: 'uuid', description })
}

export function expectedVersionInput(description = 'The version you read; a stale one is refused with 409.') {
  return z.string().min(1).meta({ description }).optional()
}

export function dateInput(description: string) {
  return z.string().refine(isCalendarDate, 'expected a date YYYY-MM-DD').meta({ format: 'date', description })
}

export function utcDatetimeInput(description: string) {
  return z.string().regex(UTC_DATETIME_PATTERN, 'expected a UTC time YYYY-MM-DDTHH:MM:SS[.sss]Z').meta({ description })
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

/** An amount in the record's currency; negative allowed (discount and credit lines). */
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
