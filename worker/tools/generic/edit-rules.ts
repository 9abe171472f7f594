import type { AgiRecord, FieldValue } from '../../../shared/agi/types.ts'
import { assertInvoiceEditable, INVOICE_FIELDS_FROZEN_ONCE_ISSUED } from '../../../shared/domain/index.ts'

/**
 * A domain rule the generic edit of one entity must pass. The guard runs inside the edit's transaction on the
 * record the write replaces, so a concurrent change cannot slip between the check and the write.
 */
export interface EditRule {
  guard: (current: AgiRecord, changed: Record<string, FieldValue>, unset: readonly string[]) => void
  /** One sentence for the edit tool's description, so agents learn the rule before they hit it. */
  description: string
}

const frozen = INVOICE_FIELDS_FROZEN_ONCE_ISSUED

/** Entity name → its edit rule; entities not listed have none. */
const EDIT_RULES: ReadonlyMap<string, EditRule> = new Map([
  [
    'Invoice',
    {
      guard: assertInvoiceEditable,
      description: `Once the invoice has left draft, its ${frozen.slice(0, -1).join(', ')} and ${frozen.at(-1)} are frozen (changing them fails with invoice_issued, 422); due_date and notes stay editable.`,
    },
  ],
])

export function editRuleFor(entity: string): EditRule | undefined {
  return EDIT_RULES.get(entity)
}
