/**
 * Synced entries as the Action leaves them in the bucket, for tests and benchmarks that need a history
 * without running a sync: one Customer created per entry, the full entry as the body.
 */
import { gitBlobSha } from '../../shared/blob-sha.ts'
import type { SyncedEntry } from '../../shared/commit-entry.ts'
import { newId, syncedEntryKey } from '../../shared/keys.ts'

export interface SyncedCustomerOptions {
  oid?: string
  name?: string
  author?: { name: string; email: string }
  commitSha?: string
}

/** The synced entry of one Customer created at `ms` (synced a minute later), and its key. */
export async function syncedCustomerEntry(tenant: string, ms: number, options: SyncedCustomerOptions = {}): Promise<{ key: string; entry: SyncedEntry }> {
  const at = new Date(ms)
  const id = newId(at)
  const oid = options.oid ?? newId(at)
  const path = `data/${tenant}/Customer/${id}.agi`
  const content = `RECORD Customer ${id} {\n  tenant_id : "${tenant}"\n  name      : "${options.name ?? `Customer ${ms}`}"\n}\n`
  const entry: SyncedEntry = {
    v: 1,
    oid,
    tenant,
    message: `create Customer ${id}`,
    author: options.author ?? { name: 'Sync Bot', email: 'sync@acme.example' },
    ts: at.toISOString(),
    paths: [path],
    files: [{ path, op: 'put', sha: await gitBlobSha(content), content }],
    commit_sha: options.commitSha ?? (ms % 1e9).toString(16).padStart(40, 'a').slice(0, 40),
    synced_at: new Date(ms + 60_000).toISOString(),
    repository: 'https://github.com/acme/books',
  }
  return { key: syncedEntryKey(tenant, entry.ts, oid), entry }
}
