/**
 * Commit entries as the Worker writes them, with real `.agi` content and real blob SHAs, and a
 * model of the tree they produce so tests can check every commit's files.
 */
import { serializeRecord } from '../../../shared/agi/index.ts'
import { gitBlobSha } from '../../../shared/blob-sha.ts'
import type { CommitEntry, CommitFile } from '../../../shared/commit-entry.ts'
import { entrySummaryMetadata } from '../../../shared/entry-metadata.ts'
import { newId, pendingEntryKey, recordKey } from '../../../shared/keys.ts'
import type { ObjectStore } from '../../../shared/object-store/object-store.ts'
import { ERP_SCHEMA } from '../../../shared/schema/index.ts'

export const AUTHORS = [
  { name: 'Invoice Bot', email: 'invoice-bot@acme.example' },
  { name: 'Ada Lovelace', email: 'ada@globex.example' },
  { name: 'Grace Hopper', email: 'grace@initech.example' },
]

export function customerText(tenant: string, id: string, name: string, at: string): string {
  return serializeRecord(
    { entity: 'Customer', id, fields: { tenant_id: tenant, name, created_at: at, updated_at: at }, unknown: {} },
    ERP_SCHEMA,
  )
}

export async function putFile(path: string, content: string): Promise<CommitFile> {
  return { path, op: 'put', sha: await gitBlobSha(content), content }
}

export interface GeneratedHistory {
  /** In commit order. */
  entries: CommitEntry[]
  /** The data/ tree (path → blob SHA) after each entry. */
  trees: Record<string, string>[]
  /** The data/ tree (path → content) after the last entry. */
  finalFiles: Map<string, string>
}

/**
 * `count` entries over `tenants`, one second apart from `start`: creates, edits and deletes of
 * customers (some entries touch two records), authors taken in turn.
 */
export async function generateHistory(count: number, options: { tenants?: string[]; start?: string } = {}): Promise<GeneratedHistory> {
  const tenants = options.tenants ?? ['acme', 'globex', 'initech']
  const start = Date.parse(options.start ?? '2026-06-25T10:00:00.000Z')
  const live = new Map<string, { tenant: string; id: string; name: string; created: string }>()
  const files = new Map<string, string>()
  const shas = new Map<string, string>()
  const entries: CommitEntry[] = []
  const trees: Record<string, string>[] = []
  for (let i = 0; i < count; i++) {
    const tenant = tenants[i % tenants.length] as string
    const at = new Date(start + i * 1000 + (i % 7))
    const ts = at.toISOString()
    const ofTenant = [...live.entries()].filter(([, record]) => record.tenant === tenant)
    const changes: CommitFile[] = []
    let message: string
    if (i % 5 === 3 && ofTenant.length > 0) {
      const [path, record] = ofTenant[i % ofTenant.length] as [string, { id: string }]
      changes.push({ path, op: 'delete' })
      live.delete(path)
      message = `delete Customer ${record.id.slice(0, 8)}`
    } else if (i % 5 === 2 && ofTenant.length > 0) {
      const [path, record] = ofTenant[(i * 3) % ofTenant.length] as [string, { tenant: string; id: string; name: string; created: string }]
      record.name = `${record.name} (rev ${i})`
      changes.push(await putFile(path, customerText(tenant, record.id, record.name, record.created)))
      message = `edit Customer ${record.id.slice(0, 8)}: name → ${record.name}`
    } else {
      const creates = i % 4 === 0 ? 2 : 1
      for (let c = 0; c < creates; c++) {
        const id = newId(at)
        const path = recordKey(ERP_SCHEMA, tenant, 'Customer', id)
        const record = { tenant, id, name: `Customer ${i}.${c} “ünïcödé”`, created: ts }
        live.set(path, record)
        changes.push(await putFile(path, customerText(tenant, id, record.name, ts)))
      }
      message = creates === 1 ? `create Customer ${changes[0]!.path.slice(-40, -32)}` : `create ${creates} customers\n\nImported from the CRM.`
    }
    for (const change of changes) {
      if (change.op === 'put') {
        files.set(change.path, change.content)
        shas.set(change.path, change.sha)
      } else {
        files.delete(change.path)
        shas.delete(change.path)
      }
    }
    entries.push({
      v: 1,
      oid: newId(at),
      tenant,
      message,
      author: AUTHORS[i % AUTHORS.length]!,
      ts,
      paths: changes.map((change) => change.path),
      files: changes,
    })
    trees.push(Object.fromEntries(shas))
  }
  return { entries, trees, finalFiles: files }
}

/** Writes entries as pending, the way the Worker's commit point does (with summary metadata). */
export async function writePending(objects: ObjectStore, entries: readonly CommitEntry[]): Promise<string[]> {
  const keys = entries.map((entry) => pendingEntryKey(entry.tenant, entry.ts, entry.oid))
  for (let i = 0; i < entries.length; i += 50) {
    await Promise.all(
      entries.slice(i, i + 50).map((entry, j) => objects.put(keys[i + j]!, JSON.stringify(entry), { condition: { ifAbsent: true }, metadata: entrySummaryMetadata(entry) })),
    )
  }
  return keys
}

/** Writes the records an entry history leaves behind, as `data/` objects. */
export async function writeRecords(objects: ObjectStore, files: ReadonlyMap<string, string>): Promise<void> {
  const all = [...files]
  for (let i = 0; i < all.length; i += 50) await Promise.all(all.slice(i, i + 50).map(([path, content]) => objects.put(path, content)))
}
