import { parseRecord } from '../../../../shared/agi/index.ts'
import { indexKeysOfRecord } from '../../../../shared/git-store/index.ts'
import { parseRecordKey } from '../../../../shared/keys.ts'
import type { StoredObject } from '../../../../shared/object-store/object-store.ts'
import { ERP_SCHEMA } from '../../../../shared/schema/index.ts'
import type { Violation } from './violation.ts'

/**
 * Invariant 10 for indexes: after recovery and sync, the index entries are exactly what `data/` implies, each a copy of
 * its record (same text, version and metadata). A missing entry (`index-entry-missing`) hides a record from filtered
 * lists and reference checks; an entry no record implies (`index-entry-orphaned`), or one out of step with its record
 * (`index-entry-stale`), shows a state that is not the record's.
 */
export function checkIndexEntries(data: Map<string, StoredObject>, index: Map<string, StoredObject>): Violation[] {
  const violations: Violation[] = []
  const expected = new Map<string, StoredObject>()
  for (const [key, object] of data) {
    try {
      const { entity, id } = parseRecordKey(ERP_SCHEMA, key)
      for (const entry of indexKeysOfRecord(ERP_SCHEMA, key, parseRecord(object.text, ERP_SCHEMA, { file: key, expect: { entity, id } }).record)) expected.set(entry, object)
    } catch {
      // A record that does not parse is reported by the references check.
    }
  }
  for (const [key, record] of expected) {
    const entry = index.get(key)
    if (entry === undefined) violations.push({ category: 'index-entry-missing', message: `${key} is missing: ${record.key} holds its value`, subjects: [key, record.key] })
    else if (entry.text !== record.text || entry.version !== record.version || JSON.stringify(entry.metadata) !== JSON.stringify(record.metadata)) {
      violations.push({ category: 'index-entry-stale', message: `${key} is not a copy of ${record.key} as it stands`, subjects: [key, record.key] })
    }
  }
  for (const key of index.keys()) {
    if (!expected.has(key)) violations.push({ category: 'index-entry-orphaned', message: `${key} is in the bucket, but no record holds its value`, subjects: [key] })
  }
  return violations
}
