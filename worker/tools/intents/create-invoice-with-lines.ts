import * as z from 'zod'
import type { AgiRecord, FieldValue } from '../../../shared/agi/index.ts'
import { priceInvoiceLines } from '../../../shared/domain/index.ts'
import { DomainRuleError } from '../../../shared/errors.ts'
import { moneyFromJson, parseQuantity, quantityToNumber } from '../../../shared/money.ts'
import { commitResponse, commitResponseSchema, writtenRecordResponse } from '../record-response.ts'
import { defineTool } from '../tool.ts'
import { erpRecordOutput, erpRecordsOutput } from './record-outputs.ts'
import { amountInput, dateInput, quantityInput, idInput, tenantIdInput, textInput } from '../tool-inputs.ts'

/** One commit per invoice: each line is a record, and a transaction's records must fit one request's storage calls. */
export const MAX_INVOICE_LINES = 500

const lineInput = z.strictObject({
  description: textInput('What is billed on this line.', 2000),
  qty: quantityInput('Quantity; defaults to 1.').optional(),
  unit_price: amountInput('Price of one unit; negative for a discount or credit line.'),
})

export const createInvoiceWithLines = defineTool({
  name: 'create_invoice_with_lines',
  title: 'Create an invoice with its lines',
  description:
    'Creates a draft invoice for an existing customer together with its line items, in one commit. ' +
    'Each line total is qty × unit_price rounded once to the cent (half away from zero); the invoice total is the exact sum of the line totals. ' +
    'You never send totals: they are computed. Lines are numbered in the order given. ' +
    'Fails with unknown_reference if the customer does not exist. Send the invoice afterwards with update_invoice_status.',
  input: z.strictObject({
    tenant_id: tenantIdInput,
    customer_id: idInput('Id of the customer being billed (must exist).'),
    lines: z.array(lineInput).min(1).max(MAX_INVOICE_LINES).meta({ description: `The line items, 1 to ${MAX_INVOICE_LINES}.` }),
    number: textInput('Your invoice number, e.g. INV-2026-0042.', 100).optional(),
    issue_date: dateInput('Date of issue, YYYY-MM-DD.').optional(),
    due_date: dateInput('Payment due date, YYYY-MM-DD.').optional(),
    currency: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as USD').meta({ description: 'ISO 4217 currency code; defaults to USD.' }).optional(),
    notes: textInput('Free-text notes printed on the invoice.', 10_000).optional(),
  }),
  output: z.object({ invoice: erpRecordOutput('Invoice'), lines: erpRecordsOutput('InvoiceLineItem'), commit: commitResponseSchema }),
  access: 'write',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(input, { store }) {
    const priced = priceInvoiceLines(input.lines.map((line) => ({ quantity: parseQuantity(line.qty ?? 1), unitPrice: moneyFromJson(line.unit_price) })))
    const count = input.lines.length
    const result = await store.transaction(
      `create Invoice with ${count} ${count === 1 ? 'line' : 'lines'}`,
      async (tx) => {
        if ((await tx.read('Customer', input.customer_id)) === null) {
          throw new DomainRuleError('unknown_reference', `Customer ${input.customer_id} does not exist in this tenant.`, {
            field: 'customer_id',
            entity: 'Customer',
            id: input.customer_id,
          })
        }
        const fields: Record<string, FieldValue> = { customer_id: input.customer_id, status: 'draft', total: priced.total, amount_paid: 0n }
        for (const name of ['number', 'issue_date', 'due_date', 'currency', 'notes'] as const) {
          const value = input[name]
          if (value !== undefined) fields[name] = value
        }
        const invoice = tx.create('Invoice', fields)
        const lines: AgiRecord[] = priced.lines.map((line, index) =>
          tx.create('InvoiceLineItem', {
            invoice_id: invoice.id,
            position: index + 1,
            description: input.lines[index]?.description ?? '',
            qty: quantityToNumber(line.quantity),
            unit_price: line.unitPrice,
            line_total: line.lineTotal,
          }),
        )
        return { invoice, lines }
      },
      { enforceCrud: false },
    )
    const { invoice, lines } = result.value
    return {
      invoice: writtenRecordResponse(store.schema, result, invoice),
      lines: lines.map((line) => writtenRecordResponse(store.schema, result, line)),
      commit: commitResponse(result.commit),
    }
  },
})
