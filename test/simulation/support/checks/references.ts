import { parseRecord } from '../../../../shared/agi/index.ts'
import type { AgiRecord } from '../../../../shared/agi/types.ts'
import { checkBooks } from '../../../../shared/domain/index.ts'
import { parseRecordKey } from '../../../../shared/keys.ts'
import type { StoredObject } from '../../../../shared/object-store/object-store.ts'
import { ERP_SCHEMA } from '../../../../shared/schema/index.ts'
import type { Violation } from './violation.ts'

/**
 * Invariant 7 and the books: no `REFERENCES` field of a record in the bucket names a record that is not there
 * (`dangling-reference`), and `checkBooks` finds nothing else (journal lines naming no account by code:
 * `dangling-account-code`; any other rule: `books-<rule>`).
 */
export function checkReferences(data: Map<string, StoredObject>): Violation[] {
  const violations: Violation[] = []
  const records: AgiRecord[] = []
  const present = new Set<string>()
  for (const [key, object] of data) {
    const { entity, id } = parseRecordKey(ERP_SCHEMA, key)
    try {
      records.push(parseRecord(object.text, ERP_SCHEMA, { file: key, expect: { entity, id } }).record)
      present.add(`${entity} ${id}`)
    } catch (error) {
      violations.push({ category: 'corrupt-record', message: `${key}: ${(error as Error).message}`, subjects: [key] })
    }
  }
  const dangling = new Set<string>()
  for (const record of records) {
    const spec = ERP_SCHEMA.entities.get(record.entity)
    for (const field of spec?.fields ?? []) {
      const target = record.fields[field.name]
      if (field.references === undefined || typeof target !== 'string' || present.has(`${field.references} ${target}`)) continue
      dangling.add(`${record.entity} ${record.id}`)
      violations.push({
        category: 'dangling-reference',
        message: `${record.entity} ${record.id}.${field.name} names ${field.references} ${target}, which is not in the bucket`,
        subjects: [record.id, target],
      })
    }
  }
  for (const found of checkBooks(records)) {
    if (found.rule === 'dangling_reference' && dangling.has(`${found.entity} ${found.id}`)) continue
    const category = found.rule === 'dangling_reference' ? 'dangling-account-code' : `books-${found.rule.replaceAll('_', '-')}`
    violations.push({ category, message: `${found.key ?? `${found.entity} ${found.id}`}: ${found.message}`, subjects: [found.id] })
  }
  return violations
}
