import type { CommitEntry } from '../../shared/commit-entry.ts'
import { gitPathOfRecordKey } from '../../shared/keys.ts'
import type { FastImportCommit, FastImportFile, Identity } from '../fast-import.ts'
import { withTrailers } from './trailers.ts'

/** `per-entry`: one commit per entry (the audit log). `batch`: one commit per run. */
export type CommitMode = 'per-entry' | 'batch'

export const COMMIT_MODES: readonly CommitMode[] = ['per-entry', 'batch']

/** At most this many entries are listed by name in a batch commit's message; the trailers list all. */
const BATCH_LINES = 50

/** An entry names records by their bucket keys; in git each lives at its sharded path. */
function filesOf(entry: CommitEntry): FastImportFile[] {
  return entry.files.map((file) => {
    const path = gitPathOfRecordKey(file.path)
    return file.op === 'put' ? { path, content: file.content } : { path, delete: true as const }
  })
}

/**
 * Never before the entry's own time, whatever the runner's clock says: the trailer scan looks for an
 * entry's commit among commits committed since the entry was written.
 */
function notBefore(committedAt: Date, ts: string): Date {
  return committedAt.getTime() >= Date.parse(ts) ? committedAt : new Date(ts)
}

/** The commit for one entry: its author at its time, its message, exactly its files. */
export function entryCommit(entry: CommitEntry, committer: Identity, committedAt: Date): FastImportCommit {
  return {
    author: entry.author,
    authorDate: entry.ts,
    committer,
    committerDate: notBefore(committedAt, entry.ts),
    message: withTrailers(entry.message, [entry.oid], [entry.tenant]),
    files: filesOf(entry),
  }
}

/**
 * Several entries folded into one commit, applied in order (a later write to a path wins). The
 * author is the entries' common author, or the committer when they differ; the date the last entry's.
 */
export function batchCommit(entries: readonly CommitEntry[], committer: Identity, committedAt: Date): FastImportCommit {
  const last = entries.at(-1)
  if (last === undefined) throw new RangeError('batchCommit: no entries')
  const first = entries[0] as CommitEntry
  const sameAuthor = entries.every((entry) => entry.author.name === first.author.name && entry.author.email === first.author.email)
  const tenants = [...new Set(entries.map((entry) => entry.tenant))]
  const lines = entries.slice(0, BATCH_LINES).map((entry) => `- ${firstLine(entry.message)} (${entry.author.name}, ${entry.ts})`)
  if (entries.length > BATCH_LINES) lines.push(`- … and ${entries.length - BATCH_LINES} more`)
  const subject = batchSubject(entries)
  return {
    author: sameAuthor ? first.author : committer,
    authorDate: last.ts,
    committer,
    committerDate: notBefore(committedAt, last.ts),
    message: withTrailers(`${subject}\n\n${lines.join('\n')}`, entries.map((entry) => entry.oid), tenants),
    files: entries.flatMap(filesOf),
  }
}

/** The first line of a batch commit: `sync 30 entries (acme, globex)`. */
export function batchSubject(entries: readonly CommitEntry[]): string {
  const tenants = [...new Set(entries.map((entry) => entry.tenant))]
  return `sync ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} (${tenants.join(', ')})`
}

export function firstLine(message: string): string {
  return message.split('\n', 1)[0] ?? ''
}
