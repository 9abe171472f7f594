import { nodeGitBlobSha } from '../blob-sha.ts'
import { committedAmong, isCommitted, type Writer } from '../../shared/git-store/index.ts'
import { writerToConfirm } from '../../shared/git-store/record-io.ts'
import { META_DELETING, META_TX } from '../../shared/git-store/record-metadata.ts'
import { DATA_PREFIX, INTENTS_PREFIX, parseIntentKey, parseRecordKeyWithoutSchema } from '../../shared/keys.ts'
import type { StoredObject } from '../../shared/object-store/object-store.ts'
import type { Bucket } from './bucket.ts'
import { silentProgress, type Progress } from './progress.ts'

export interface BucketFile {
  sha: string
  text: string
  /** The version read, to tell later whether the file moved under the comparison. */
  version: string
}

export interface BucketTree {
  files: Map<string, BucketFile>
  /** Files written by a transaction not known to be committed: never compared, never repaired. */
  unsettled: string[]
}

/**
 * The bucket's committed `data/` tree, as strict as a read. The objects are read first, then the open intents are
 * listed (a writer seen in the first read wrote its intent before it), and every recent writer not open must be
 * found committed by the one rule: otherwise its file is unsettled. A delete's claim whose transaction committed
 * is a file already gone.
 */
export async function readBucketTree(objects: Bucket, nowMs: number, progress: Progress = silentProgress): Promise<BucketTree> {
  const keys: string[] = []
  const listing = progress.phase('listing data/')
  for await (const listed of objects.listAll(DATA_PREFIX)) {
    keys.push(listed.key)
    listing.tick()
  }
  listing.end()
  const reading = progress.phase('reading data/', keys.length)
  const stored = await objects.getMany(keys, 32, () => reading.tick())
  reading.end()
  const open = new Set<string>()
  for await (const listed of objects.listAll(INTENTS_PREFIX)) {
    try {
      open.add(parseIntentKey(listed.key).oid)
    } catch {
      // Not an intent key; the recovery pass reports what it cannot read.
    }
  }
  const committed = await confirmWriters(objects, keys, stored, nowMs)
  const files = new Map<string, BucketFile>()
  const unsettled: string[] = []
  await Promise.all(
    keys.map(async (key, index) => {
      const object = stored[index]
      if (object === null || object === undefined) return
      const tx = object.metadata[META_TX]
      if (tx !== undefined && (open.has(tx) || committed.get(tx) === false)) {
        unsettled.push(key)
        return
      }
      if (object.metadata[META_DELETING] !== undefined) return
      files.set(key, { sha: nodeGitBlobSha(object.text), text: object.text, version: object.version })
    }),
  )
  unsettled.sort()
  return { files, unsettled }
}

/** Whether each recent writer committed (true/false); writers old enough to be settled are not asked. */
async function confirmWriters(objects: Bucket, keys: readonly string[], stored: readonly (StoredObject | null)[], nowMs: number): Promise<Map<string, boolean>> {
  const byTenant = new Map<string, Map<string, Writer>>()
  keys.forEach((key, index) => {
    const object = stored[index]
    if (object === null || object === undefined) return
    let tenant: string
    try {
      tenant = parseRecordKeyWithoutSchema(key).tenant
    } catch {
      return
    }
    const writer = writerToConfirm(object.metadata, tenant, nowMs)
    if (writer === null) return
    const writers = byTenant.get(tenant) ?? new Map<string, Writer>()
    writers.set(writer.oid, writer)
    byTenant.set(tenant, writers)
  })
  const verdicts = new Map<string, boolean>()
  for (const [tenant, writers] of byTenant) {
    const found = await committedAmong(objects, tenant, [...writers.values()])
    for (const writer of writers.values()) verdicts.set(writer.oid, found.has(writer.oid) || (await isCommitted(objects, writer)))
  }
  return verdicts
}

/**
 * Drops from `paths` every file that changed since `tree` was read (a transaction landed meanwhile): what remains
 * is drift that held still. The others are reported unsettled.
 */
export async function stillDrifted(objects: Bucket, tree: BucketTree, paths: readonly string[]): Promise<{ steady: Set<string>; moved: string[] }> {
  const now = await objects.getMany(paths, 32)
  const steady = new Set<string>()
  const moved: string[] = []
  paths.forEach((path, index) => {
    const before = tree.files.get(path)?.version ?? null
    const after = now[index]?.version ?? null
    if (before === after) steady.add(path)
    else moved.push(path)
  })
  return { steady, moved }
}
