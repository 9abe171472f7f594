import { parseCommitEntry, parseSyncedEntry } from '../../shared/commit-entry.ts'
import { entrySummaryFromMetadata, type EntrySummary } from '../../shared/entry-metadata.ts'
import { ValidationError } from '../../shared/errors.ts'
import { parsePendingEntryKey, parseSyncedEntryKey, pendingEntriesPrefix, syncedEntriesPrefix } from '../../shared/keys.ts'
import type { ListedObject, ObjectStore } from '../../shared/object-store/object-store.ts'
import { UUID_SOURCE } from '../../shared/patterns.ts'

export interface ActivityEntry {
  oid: string
  message: string
  author: { name: string; email: string }
  ts: string
  paths: string[]
  status: 'pending' | 'synced'
  commit_sha?: string
  repository?: string
}

export interface ActivityPage {
  entries: ActivityEntry[]
  next_cursor: string | null
}

export const ACTIVITY_DEFAULT_LIMIT = 50
/** R2 returns at most 100 keys per list call when metadata is included: a bigger page would cost more calls. */
export const ACTIVITY_MAX_LIMIT = 100

type Status = ActivityEntry['status']

interface Candidate {
  /** `<inverted ms>-<oid>`: the same in both folders, so it orders and dedupes across them. */
  position: string
  oid: string
  status: Status
  listed: ListedObject
}

const POSITION = new RegExp(`^[0-9]{13}-${UUID_SOURCE}$`)

/**
 * A tenant's commit entries, newest first: pending ones (waiting for git) and synced ones (in git). Entry keys
 * carry inverted timestamps, so each folder's first keys are its newest entries; one list of each folder
 * (starting after the cursor) gives a page, and the summaries come from the listed metadata, so a page costs
 * two list calls however long the history. An entry whose metadata is incomplete is fetched on its own.
 * Entries exist only once their transaction committed, so a partial transaction never shows here.
 */
export async function readActivity(
  objects: ObjectStore,
  tenant: string,
  options: { limit?: number; cursor?: string } = {},
): Promise<ActivityPage> {
  const limit = options.limit ?? ACTIVITY_DEFAULT_LIMIT
  const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor)
  const [pending, synced] = await Promise.all([
    listFolder(objects, pendingEntriesPrefix(tenant), 'pending', after, limit),
    listFolder(objects, syncedEntriesPrefix(tenant), 'synced', after, limit),
  ])
  // The Action writes the synced copy before deleting the pending one: an entry seen in both is synced.
  const byOid = new Map<string, Candidate>()
  for (const candidate of [...pending.candidates, ...synced.candidates]) byOid.set(candidate.oid, candidate)
  const merged = [...byOid.values()].sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0))
  const page = merged.slice(0, limit)
  const more = merged.length > limit || !pending.exhausted || !synced.exhausted
  const entries = (await Promise.all(page.map((candidate) => toEntry(objects, tenant, candidate)))).filter((entry) => entry !== null)
  const last = page.at(-1)
  return { entries, next_cursor: more && last !== undefined ? encodeCursor(last.position) : null }
}

/**
 * Up to `limit` entries of one folder after `after`. R2 may return short pages when metadata is included, so
 * the listing follows its cursor until it has enough: usually one call.
 */
async function listFolder(
  objects: ObjectStore,
  prefix: string,
  status: Status,
  after: string | undefined,
  limit: number,
): Promise<{ candidates: Candidate[]; exhausted: boolean }> {
  const candidates: Candidate[] = []
  let cursor: string | undefined
  const startAfter = after === undefined ? undefined : `${prefix}${after}.json`
  do {
    const page = await objects.list(cursor === undefined ? { prefix, startAfter, limit } : { prefix, cursor, limit })
    for (const listed of page.objects) {
      if (candidates.length >= limit) return { candidates, exhausted: false }
      const candidate = toCandidate(listed, prefix, status)
      if (candidate !== null) candidates.push(candidate)
    }
    cursor = page.cursor
  } while (cursor !== undefined && candidates.length < limit)
  return { candidates, exhausted: cursor === undefined }
}

function toCandidate(listed: ListedObject, prefix: string, status: Status): Candidate | null {
  try {
    const { oid } = status === 'pending' ? parsePendingEntryKey(listed.key) : parseSyncedEntryKey(listed.key)
    return { position: listed.key.slice(prefix.length, -'.json'.length), oid, status, listed }
  } catch {
    console.error(`activity: ignoring a malformed entry key ${listed.key}`)
    return null
  }
}

async function toEntry(objects: ObjectStore, tenant: string, candidate: Candidate): Promise<ActivityEntry | null> {
  const summary = entrySummaryFromMetadata(candidate.listed.metadata)
  if (summary !== null && isComplete(summary, tenant, candidate)) return entryFrom(summary, summary.paths ?? [], candidate.status)
  // Metadata missing or cut short (too many paths to fit): read the entry itself.
  const stored = await objects.get(candidate.listed.key)
  if (stored === null) return null
  const parsed = candidate.status === 'pending' ? await parseCommitEntry(stored.text) : await parseSyncedEntry(stored.text)
  if (!parsed.ok || parsed.entry.tenant !== tenant || parsed.entry.oid !== candidate.oid) {
    console.error(`activity: skipping unreadable entry ${candidate.listed.key}: ${parsed.ok ? 'wrong tenant or oid' : parsed.reason}`)
    return null
  }
  return entryFrom(parsed.entry, parsed.entry.paths, candidate.status)
}

function isComplete(summary: EntrySummary, tenant: string, candidate: Candidate): boolean {
  if (summary.paths === undefined || summary.tenant !== tenant || summary.oid !== candidate.oid) return false
  return candidate.status === 'pending' || summary.commit_sha !== undefined
}

function entryFrom(
  source: Pick<EntrySummary, 'oid' | 'message' | 'author' | 'ts' | 'commit_sha' | 'repository'>,
  paths: string[],
  status: Status,
): ActivityEntry {
  const entry: ActivityEntry = { oid: source.oid, message: source.message, author: source.author, ts: source.ts, paths, status }
  if (status === 'synced') {
    if (source.commit_sha !== undefined) entry.commit_sha = source.commit_sha
    if (source.repository !== undefined) entry.repository = source.repository
  }
  return entry
}

function encodeCursor(position: string): string {
  return btoa(position).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

function decodeCursor(cursor: string): string {
  let position: string
  try {
    position = atob(cursor.replaceAll('-', '+').replaceAll('_', '/'))
  } catch {
    position = ''
  }
  if (!POSITION.test(position)) {
    throw new ValidationError('invalid cursor: pass back the next_cursor of a previous page', [{ path: ['cursor'], message: 'not a cursor' }])
  }
  return position
}
