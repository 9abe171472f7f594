import * as z from 'zod'
import { ageReceivables, AGEING_BUCKETS, textField, type AgeingAmounts } from '../../../shared/domain/index.ts'
import type { GitStore } from '../../../shared/git-store/index.ts'
import { parseRecordKey, recordKey } from '../../../shared/keys.ts'
import { moneyToNumber } from '../../../shared/money.ts'
import { defineTool } from '../tool.ts'
import { dateInput, idInput, tenantIdInput } from '../tool-inputs.ts'
import { listAllRecords } from './list-all-records.ts'

const DEFAULT_CUSTOMERS = 50
const MAX_CUSTOMERS = 200

/** The five buckets, their total and how many invoices they hold, as every row and total answers them. */
const agedAmountsOutput = {
  ...Object.fromEntries(AGEING_BUCKETS.map((bucket) => [bucket, z.number()])),
  total: z.number(),
  open_invoices: z.number(),
} as Record<(typeof AGEING_BUCKETS)[number] | 'total' | 'open_invoices', z.ZodNumber>

export const agedReceivables = defineTool({
  name: 'aged_receivables',
  title: 'Aged receivables',
  description:
    'What customers owe on sent invoices, by days past due as of as_of (default today, UTC): current (not yet due), 1–30, 31–60, 61–90 and over 90 days. ' +
    'An invoice counts when it is sent and issued on or before as_of, for its open amount (total − amount_paid as it stands now); without a due date its issue date is taken as due. Drafts, paid and void invoices are left out. ' +
    'One row per customer and currency (currencies are never added together), in customer id order, with the customer’s name, the five buckets, the total and the number of open invoices; totals holds the grand totals per currency over all customers, on every page. ' +
    'A page is `limit` customers (default 50, at most 200), each with all its open invoices; pass next_cursor back as `cursor` for the next (null when there is none). ' +
    'Each page reads all open invoices (not the paid or void ones), so its cost grows with open invoices only. Reads only.',
  input: z.strictObject({
    tenant_id: tenantIdInput,
    as_of: dateInput('Age invoices as of this day, YYYY-MM-DD; defaults to today (UTC).').optional(),
    limit: z.number().int().min(1).max(MAX_CUSTOMERS).describe(`customers per page, default ${DEFAULT_CUSTOMERS}`).optional(),
    cursor: idInput('next_cursor of the previous page (the last customer id it held).').optional(),
  }),
  output: z.object({
    as_of: z.string().meta({ description: 'The day invoices are aged on, YYYY-MM-DD.' }),
    customers: z.array(
      z.object({
        customer_id: z.string(),
        // Null when the customer record is gone.
        name: z.string().nullable(),
        currency: z.string(),
        ...agedAmountsOutput,
      }),
    ),
    totals: z.array(z.object({ currency: z.string(), customers: z.number().meta({ description: 'Customers owing in this currency.' }), ...agedAmountsOutput })),
    next_cursor: z.string().nullable(),
  }),
  access: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(input, { store }) {
    const asOf = input.as_of ?? new Date().toISOString().slice(0, 10)
    const limit = input.limit ?? DEFAULT_CUSTOMERS
    // The status index holds only what is open: paid and void invoices, however many, are never read.
    const open = await listAllRecords(store, 'Invoice', { status: 'sent' })
    const ageing = ageReceivables(open.map((stored) => stored.record), asOf)
    const after = input.cursor === undefined ? ageing.rows : ageing.rows.filter((row) => row.customerId > (input.cursor as string))
    const customers = [...new Set(after.map((row) => row.customerId))]
    const onPage = customers.slice(0, limit)
    const last = onPage.at(-1)
    const rows = after.filter((row) => last !== undefined && row.customerId <= last)
    const names = await customerNames(store, onPage, input.cursor)
    return {
      as_of: ageing.asOf,
      customers: rows.map((row) => ({ customer_id: row.customerId, name: names.get(row.customerId) ?? null, currency: row.currency, ...amountsAnswer(row) })),
      totals: ageing.totals.map((total) => ({ currency: total.currency, customers: total.customers, ...amountsAnswer(total) })),
      next_cursor: customers.length > limit && last !== undefined ? last : null,
    }
  },
})

function amountsAnswer(amounts: AgeingAmounts) {
  const buckets = Object.fromEntries(AGEING_BUCKETS.map((bucket) => [bucket, moneyToNumber(amounts[bucket])]))
  return { ...buckets, total: moneyToNumber(amounts.total), open_invoices: amounts.openInvoices }
}

/** List pages of customers read for one page's names before the rest are read one by one. */
const NAME_LIST_PAGES = 3

/**
 * The names of a page's customers (sorted ids, all after `cursor`): customers are listed in id order from the cursor on,
 * so a few list pages (two calls each) hold them all when they are dense among the tenant's customers, the usual case.
 * Those still past the last page listed are read one by one, in parallel: at most one GET per customer on the page.
 */
async function customerNames(store: GitStore, ids: readonly string[], cursor: string | undefined): Promise<Map<string, string | null>> {
  const names = new Map<string, string | null>()
  const last = ids.at(-1)
  if (last === undefined) return names
  let listFrom = cursor === undefined ? undefined : recordKey(store.schema, store.tenant, 'Customer', cursor)
  // The id of the last customer listed; undefined once the list has ended (a customer not seen by then is gone).
  let listedUpTo: string | undefined = ''
  for (let page = 0; page < NAME_LIST_PAGES && listedUpTo !== undefined && listedUpTo < last; page++) {
    const listed = await store.list('Customer', { limit: MAX_CUSTOMERS, cursor: listFrom })
    for (const stored of listed.records) names.set(stored.record.id, textField(stored.record, 'name') ?? null)
    listFrom = listed.cursor
    listedUpTo = listed.cursor === undefined ? undefined : parseRecordKey(store.schema, listed.cursor).id
  }
  const beyond = listedUpTo === undefined ? [] : ids.filter((id) => id > listedUpTo)
  const read = await Promise.all(beyond.map((id) => store.read('Customer', id)))
  beyond.forEach((id, index) => {
    const stored = read[index]
    names.set(id, stored === null || stored === undefined ? null : (textField(stored.record, 'name') ?? null))
  })
  return names
}
