import { parseRecord } from '../../shared/agi/index.ts'
import type { Schema } from '../../shared/agi/types.ts'
import {
  parseCommitEntry,
  parseSyncedEntry,
  type BlobSha,
  type CommitEntry,
  type EntryParseResult,
  type SyncedEntry,
} from '../../shared/commit-entry.ts'
import { isoUtcMillis, parsePendingEntryKey, parseRecordKeyWithoutSchema, parseSyncedEntryKey, type EntryKeyParts } from '../../shared/keys.ts'

/**
 * Reads a pending entry as the Action must before committing it: the zod contract, every content
 * hashing to its blob SHA (`parseCommitEntry`), the entry agreeing with the key it was found under,
 * and every record parsing as `.agi`. Never throws; a failure is a reason to quarantine. `blobSha`:
 * see `parseCommitEntry` (this module also runs in workerd, so Node's hash is passed in, not imported).
 */
export async function checkPendingEntry(key: string, text: string, schema: Schema, blobSha?: BlobSha): Promise<EntryParseResult<CommitEntry>> {
  let parts: EntryKeyParts
  try {
    parts = parsePendingEntryKey(key)
  } catch (error) {
    return { ok: false, reason: messageOf(error) }
  }
  return checkEntry(parts, await parseCommitEntry(text, blobSha), schema)
}

/**
 * The contract, hash and key checks for a synced copy (what `replay` re-applies). Records are not
 * parsed again: they were when the entry was synced, and a schema that has moved on since must
 * not stop history from being restored exactly as it was.
 */
export async function checkSyncedEntry(key: string, text: string, blobSha?: BlobSha): Promise<EntryParseResult<SyncedEntry>> {
  let parts: EntryKeyParts
  try {
    parts = parseSyncedEntryKey(key)
  } catch (error) {
    return { ok: false, reason: messageOf(error) }
  }
  return checkEntry(parts, await parseSyncedEntry(text, blobSha), null)
}

function checkEntry<T extends CommitEntry>(parts: EntryKeyParts, parsed: EntryParseResult<T>, schema: Schema | null): EntryParseResult<T> {
  if (!parsed.ok) return parsed
  const { entry } = parsed
  // The key is what orders and finds the entry; one that disagrees with its body was not written by the protocol.
  if (entry.oid !== parts.oid) return { ok: false, reason: `oid ${entry.oid} does not match the key's ${parts.oid}` }
  if (entry.tenant !== parts.tenant) return { ok: false, reason: `tenant ${entry.tenant} does not match the key's ${parts.tenant}` }
  if (isoUtcMillis(entry.ts) !== parts.ms) return { ok: false, reason: `ts ${entry.ts} does not match the key's time ${new Date(parts.ms).toISOString()}` }
  const problems = schema === null ? [] : recordProblems(entry, schema)
  return problems.length === 0 ? parsed : { ok: false, reason: problems.join('; ') }
}

/**
 * Every put must be a readable record of the entity and id its path names. An entity the schema no
 * longer declares is let through: history written under an older schema must still sync.
 */
function recordProblems(entry: CommitEntry, schema: Schema): string[] {
  const problems: string[] = []
  for (const file of entry.files) {
    if (file.op !== 'put') continue
    const { entity, id } = parseRecordKeyWithoutSchema(file.path)
    if (!schema.entities.has(entity)) continue
    try {
      parseRecord(file.content, schema, { file: file.path, expect: { entity, id } })
    } catch (error) {
      problems.push(`bad .agi content: ${messageOf(error)}`)
    }
  }
  return problems
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
