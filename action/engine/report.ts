import type { CommitEntry } from '../../shared/commit-entry.ts'
import { batchSubject, firstLine } from './entry-commits.ts'

/** One commit a run made (or, in a dry run, would make). */
export interface CommitReport {
  /** Empty in a dry run. */
  sha: string
  oids: string[]
  tenants: string[]
  /** The first line of the message. */
  subject: string
  author: string
  /** The author date (the entry's `ts`). */
  date: string
  files: number
}

export interface QuarantineReport {
  key: string
  reason: string
}

export function commitReports(entries: readonly CommitEntry[], shas: readonly string[], batch: boolean): CommitReport[] {
  if (entries.length === 0) return []
  if (batch) {
    const last = entries.at(-1) as CommitEntry
    const authors = [...new Set(entries.map((entry) => entry.author.name))]
    return [
      {
        sha: shas[0] ?? '',
        oids: entries.map((entry) => entry.oid),
        tenants: [...new Set(entries.map((entry) => entry.tenant))],
        subject: batchSubject(entries),
        author: authors.length === 1 ? (authors[0] as string) : `${authors.length} authors`,
        date: last.ts,
        files: new Set(entries.flatMap((entry) => entry.paths)).size,
      },
    ]
  }
  return entries.map((entry, index) => ({
    sha: shas[index] ?? '',
    oids: [entry.oid],
    tenants: [entry.tenant],
    subject: firstLine(entry.message),
    author: entry.author.name,
    date: entry.ts,
    files: entry.files.length,
  }))
}
