import * as z from 'zod'
import type { AgiRecord, FieldValue } from '../../../shared/agi/index.ts'
import { applyPayment, requireMoneyField, requireTextField, shortId } from '../../../shared/domain/index.ts'
import { formatMoney, moneyFromJson } from '../../../shared/money.ts'
import { commitResponse, commitResponseSchema, writtenRecordResponse } from '../record-response.ts'
import { defineTool } from '../tool.ts'
import { erpRecordOutput } from './record-outputs.ts'
import { dateInput, positiveAmountInput, idInput, tenantIdInput, textInput } from '../tool-inputs.ts'

export const recordPayment = defineTool({
  name: 'record_payment',
  title: 'Record a payment on an invoice',
  description:
    'Records money received against a sent invoice: creates a Payment and adds it to the invoice’s amount_paid in one commit; ' +
    'when the invoice is then fully paid its status becomes paid. ' +
    'Fails with overpayment if the amount exceeds the balance (total − amount_paid; the error gives the balance), ' +
    'and with invoice_not_payable unless the invoice is sent (send a draft first with update_invoice_status). ' +
    'On a conflict (another payment landed at the same moment) nothing was recorded: read the invoice again and retry.',
  input: z.strictObject({
    tenant_id: tenantIdInput,
    invoice_id: idInput('Id of the invoice being paid.'),
    amount: positiveAmountInput('Amount received, in the invoice’s currency.'),
    date: dateInput('Date the payment was received, YYYY-MM-DD; defaults to today (UTC).').optional(),
    method: textInput('How it was paid, e.g. bank transfer, card, cash.', 100).optional(),
    reference: textInput('Bank or processor reference.', 200).optional(),
  }),
  output: z.object({ payment: erpRecordOutput('Payment'), invoice: erpRecordOutput('Invoice'), commit: commitResponseSchema }),
  access: 'write',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(input, { store }) {
    const amount = moneyFromJson(input.amount)
    const id = input.invoice_id
    const result = await store.transaction(
      `record Payment ${formatMoney(amount)} on Invoice ${shortId(id)}`,
      async (tx) => {
        // The invoice edit is the payment's guard: its conditional write fails if another payment changed
        // amount_paid first, so the retry re-applies this one on the fresh balance and no payment is lost.
        const invoice = await tx.edit(
          'Invoice',
          id,
          (current) => {
            const applied = applyPayment(
              { status: requireTextField(current, 'status'), total: requireMoneyField(current, 'total'), amountPaid: requireMoneyField(current, 'amount_paid') },
              amount,
              `Invoice ${shortId(id)}`,
            )
            const patch: Record<string, FieldValue> = { amount_paid: applied.amountPaid }
            if (applied.status !== current.fields.status) patch.status = applied.status
            return patch
          },
        )
        const fields: Record<string, FieldValue> = { invoice_id: id, amount, date: input.date ?? tx.timestamp.toISOString().slice(0, 10) }
        if (input.method !== undefined) fields.method = input.method
        if (input.reference !== undefined) fields.reference = input.reference
        const payment: AgiRecord = tx.create('Payment', fields)
        return { invoice, payment }
      },
      { enforceCrud: false },
    )
    return {
      payment: writtenRecordResponse(store.schema, result, result.value.payment),
      invoice: writtenRecordResponse(store.schema, result, result.value.invoice),
      commit: commitResponse(result.commit),
    }
  },
})
