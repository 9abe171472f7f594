import type { CommitEntry } from './commit-entry.ts'
import { decodeMetadataText, encodeMetadataText } from './metadata-text.ts'

/**
 * The part of a commit entry stored as object metadata, so the activity feed can be served from list calls
 * alone (R2 returns custom metadata with a list; one GET per entry would make a page cost O(page size) GETs).
 * R2 allows 8 KiB of metadata per object; long messages are cut and long path lists left out (the reader then
 * fetches that one entry). Free text is base64 (see metadata-text.ts) so it survives the S3 API's headers.
 */
export interface EntrySummary {
  oid: string
  tenant: string
  message: string
  author: { name: string; email: string }
  ts: string
  /** Absent when the paths did not fit. */
  paths?: string[]
  commit_sha?: string
  repository?: string
}

const MESSAGE_MAX_CHARS = 500
const PATHS_MAX_BYTES = 5000

export function entrySummaryMetadata(
  entry: Pick<CommitEntry, 'oid' | 'tenant' | 'message' | 'author' | 'ts' | 'paths'>,
  synced?: { commit_sha: string; repository?: string },
): Record<string, string> {
  const metadata: Record<string, string> = {
    oid: entry.oid,
    tenant: entry.tenant,
    message: encodeMetadataText(entry.message.length > MESSAGE_MAX_CHARS ? `${entry.message.slice(0, MESSAGE_MAX_CHARS - 1)}…` : entry.message),
    author_name: encodeMetadataText(entry.author.name),
    author_email: encodeMetadataText(entry.author.email),
    ts: entry.ts,
  }
  const paths = JSON.stringify(entry.paths)
  if (new TextEncoder().encode(paths).length <= PATHS_MAX_BYTES) metadata.paths = paths
  if (synced !== undefined) {
    metadata.commit_sha = synced.commit_sha
    if (synced.repository !== undefined) metadata.repository = synced.repository
  }
  return metadata
}

/** Reads a summary back from list metadata; null when the metadata is missing or malformed (fetch the entry). */
export function entrySummaryFromMetadata(metadata: Record<string, string>): EntrySummary | null {
  const { oid, tenant, ts } = metadata
  if (metadata.message === undefined || metadata.author_name === undefined || metadata.author_email === undefined) return null
  const message = decodeMetadataText(metadata.message)
  const name = decodeMetadataText(metadata.author_name)
  const email = decodeMetadataText(metadata.author_email)
  if (!oid || !tenant || !ts || message === null || name === null || email === null) return null
  const summary: EntrySummary = { oid, tenant, message, author: { name, email }, ts }
  if (metadata.paths !== undefined) {
    try {
      const paths: unknown = JSON.parse(metadata.paths)
      if (Array.isArray(paths) && paths.every((p) => typeof p === 'string')) summary.paths = paths
    } catch {
      // Unreadable paths: leave them out and let the reader fetch the entry.
    }
  }
  if (metadata.commit_sha !== undefined) summary.commit_sha = metadata.commit_sha
  if (metadata.repository !== undefined) summary.repository = metadata.repository
  return summary
}
