import { coerceInput } from '../../../shared/agi/index.ts'
import type { EntitySpec, FieldValue } from '../../../shared/agi/types.ts'
import { ValidationError } from '../../../shared/errors.ts'

/** JSON fields as typed values, or a `ValidationError` whose issue paths point into the tool's arguments. */
export function coerceFields(
  spec: EntitySpec,
  input: Record<string, unknown>,
  mode: 'create' | 'patch',
  at: (string | number)[] = [],
): { fields: Record<string, FieldValue>; unset: string[] } {
  const result = coerceInput(spec, input, mode)
  if (!result.ok) {
    const issues = result.issues.map((issue) => ({ ...issue, path: [...at, ...issue.path] }))
    const shown = issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')
    throw new ValidationError(`invalid ${spec.name}: ${shown}`, issues)
  }
  return { fields: result.fields, unset: result.unset }
}
