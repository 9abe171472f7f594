import * as z from 'zod'
import { assertInvoiceTransition, INVOICE_STATUSES, requireTextField, shortId } from '../../../shared/domain/index.ts'
import { editMessage } from '../../../shared/git-store/messages.ts'
import { commitResponse, commitResponseSchema, writtenRecordResponse } from '../record-response.ts'
import { defineTool } from '../tool.ts'
import { erpRecordOutput } from './record-outputs.ts'
import { expectedVersionInput, idInput, tenantIdInput } from '../tool-inputs.ts'

export const updateInvoiceStatus = defineTool({
  name: 'update_invoice_status',
  title: 'Change an invoice’s status',
  description:
    'Moves an invoice along its life cycle: draft → sent or void; sent → paid or void. paid and void are final. ' +
    'Any other change (including to the current status) fails with invalid_transition and names the allowed moves. ' +
    'Voiding cannot be undone. Payments are normally recorded with record_payment, which marks the invoice paid by itself once fully paid; ' +
    'set paid here only for an invoice settled outside the system. ' +
    'Pass expected_version (the version you read) to fail with a conflict instead of changing an invoice someone else changed meanwhile.',
  input: z.strictObject({
    tenant_id: tenantIdInput,
    invoice_id: idInput('Id of the invoice.'),
    status: z.enum(INVOICE_STATUSES).meta({ description: 'The new status: sent, paid or void (draft only as a starting point; no invoice returns to it).' }),
    expected_version: expectedVersionInput('The invoice version you last read; the change fails with a conflict if it is stale.'),
  }),
  output: z.object({ invoice: erpRecordOutput('Invoice'), commit: commitResponseSchema }),
  access: 'write',
  // Voiding is final, hence destructive. Repeating a call changes nothing more: the second one is refused.
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async handler(input, { store }) {
    const { invoice_id: id, status } = input
    const result = await store.transaction(
      editMessage('Invoice', id, { status }),
      (tx) =>
        // The check runs on the very version the conditional write replaces, so a racing change cannot slip past it.
        tx.edit(
          'Invoice',
          id,
          (current) => {
            assertInvoiceTransition(requireTextField(current, 'status'), status, `Invoice ${shortId(id)}`)
            return { status }
          },
          { expectedVersion: input.expected_version },
        ),
      { enforceCrud: false },
    )
    return { invoice: writtenRecordResponse(store.schema, result, result.value), commit: commitResponse(result.commit) }
  },
})
