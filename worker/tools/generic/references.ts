import type { EntitySpec, FieldValue } from '../../../shared/agi/types.ts'
import { DomainRuleError } from '../../../shared/errors.ts'
import type { GitStore } from '../../../shared/git-store/index.ts'

/**
 * Every `REFERENCES` field being written must name an existing record of the tenant (`edit_invoice` moving an
 * invoice to another customer, say); otherwise 422 `unknown_reference` and nothing is written.
 */
export async function assertReferencesExist(store: GitStore, spec: EntitySpec, fields: Record<string, FieldValue>): Promise<void> {
  const checks = spec.fields
    .filter((field) => field.references !== undefined && typeof fields[field.name] === 'string')
    .map(async (field) => {
      const target = field.references as string
      const id = fields[field.name] as string
      if ((await store.read(target, id)) === null) {
        throw new DomainRuleError('unknown_reference', `${field.name} names ${target} ${id}, which does not exist`, {
          field: field.name,
          entity: target,
          id,
        })
      }
    })
  await Promise.all(checks)
}
