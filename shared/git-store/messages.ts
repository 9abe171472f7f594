import type { FieldValue } from '../agi/types.ts'
import { formatMoney } from '../money.ts'

/** Commit messages as the audit log shows them: `create Customer <id>`, `edit Invoice <id8>: status → paid`. */
export function createMessage(entity: string, id: string): string {
  return `create ${entity} ${id}`
}

export function deleteMessage(entity: string, id: string): string {
  return `delete ${entity} ${id}`
}

const SUBJECT_MAX = 72
const VALUE_MAX = 24

export function editMessage(entity: string, id: string, changes: Record<string, FieldValue>, unset: readonly string[] = []): string {
  const head = `edit ${entity} ${id.slice(0, 8)}`
  const names = [...Object.keys(changes), ...unset]
  if (names.length === 0) return head
  const described = [
    ...Object.keys(changes).map((name) => {
      const shown = showValue(changes[name])
      return shown === null ? name : `${name} → ${shown}`
    }),
    ...unset.map((name) => `${name} unset`),
  ]
  const full = `${head}: ${described.join(', ')}`
  if (full.length <= SUBJECT_MAX) return full
  const plain = `${head}: ${names.join(', ')}`
  return plain.length <= SUBJECT_MAX ? plain : `${head}: ${names.length} fields`
}

/**
 * Characters a subject line must not carry: line breaks and other controls (NUL among them, which git refuses) and
 * lone surrogates (no UTF-8 form). The commit entry's contract rejects such a message, so the value is not shown.
 */
const NOT_FOR_SUBJECTS = /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}]/u

/** A short one-line rendering of a scalar, or null when it would not read well in a subject line. */
function showValue(value: FieldValue | undefined): string | null {
  if (typeof value === 'bigint') return formatMoney(value)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (typeof value === 'string' && value.length <= VALUE_MAX && !NOT_FOR_SUBJECTS.test(value)) return value
  return null
}
