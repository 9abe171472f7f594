/**
 * Plants settled records straight into the bucket, far faster than transactions (each of which also writes and
 * removes an intent, a commit entry and the guards it touches), yet byte for byte what a transaction leaves behind
 * once cleaned up: the text from the store's serializer, the tag of one transaction written `SETTLED_AGE_MS` ago
 * (so readers trust it without confirming), the text's copy in the metadata for lists, and one index entry per
 * indexed value, each a copy of the record (`indexKeysOfRecord`), exactly as commit-protocol.ts writes them.
 */
import { serializeRecord, validateRecord, type AgiRecord, type EntitySpec, type FieldValue } from '../../../shared/agi/index.ts'
import { indexKeysOfRecord } from '../../../shared/git-store/index.ts'
import { META_AGI, META_AGI_MAX_BYTES, META_TX, META_TX_MS } from '../../../shared/git-store/record-metadata.ts'
import { newId, recordKey } from '../../../shared/keys.ts'
import { encodeMetadataText } from '../../../shared/metadata-text.ts'
import type { ObjectStore } from '../../../shared/object-store/object-store.ts'
import { ERP_SCHEMA } from '../../../shared/schema/index.ts'
import { inParallel } from './bench-support.ts'

/** A record as a transaction at `at` creates it: tenant, the given fields, both timestamps; checked against the schema. */
export function plantedRecord(tenant: string, entity: string, fields: Record<string, FieldValue>, at: Date): AgiRecord {
  const spec = ERP_SCHEMA.entities.get(entity) as EntitySpec
  const stamp = at.toISOString()
  const record: AgiRecord = { entity, id: newId(at), fields: { tenant_id: tenant, ...fields, created_at: stamp, updated_at: stamp }, unknown: {} }
  const issues = validateRecord(spec, record)
  if (issues.length > 0) throw new Error(`planted ${entity} is invalid: ${JSON.stringify(issues)}`)
  return record
}

/** Puts each record and its index entries, `concurrency` objects at a time; all carry one settled transaction's tag. */
export async function plantRecords(objects: ObjectStore, tenant: string, records: readonly AgiRecord[], at: Date, concurrency = 256): Promise<number> {
  const tag = { [META_TX]: newId(at), [META_TX_MS]: String(at.getTime()) }
  const puts: { key: string; text: string; metadata: Record<string, string> }[] = []
  for (const record of records) {
    const text = serializeRecord(record, ERP_SCHEMA)
    const copy = encodeMetadataText(text)
    const metadata = copy.length <= META_AGI_MAX_BYTES ? { ...tag, [META_AGI]: copy } : { ...tag }
    const key = recordKey(ERP_SCHEMA, tenant, record.entity, record.id)
    puts.push({ key, text, metadata })
    for (const entry of indexKeysOfRecord(ERP_SCHEMA, key, record)) puts.push({ key: entry, text, metadata })
  }
  await inParallel(puts.length, concurrency, async (index) => {
    const put = puts[index] as (typeof puts)[number]
    await objects.put(put.key, put.text, { metadata: put.metadata })
  })
  return puts.length
}
