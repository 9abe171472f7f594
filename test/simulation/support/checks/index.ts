import { DATA_PREFIX, INDEX_PREFIX, INTENTS_PREFIX, PENDING_PREFIX } from '../../../../shared/keys.ts'
import type { MemoryObjectStore } from '../../../../shared/object-store/memory-store.ts'
import type { StoredObject } from '../../../../shared/object-store/object-store.ts'
import type { ModelBranch } from '../branch.ts'
import { CommittedHistory } from '../committed.ts'
import type { History } from '../history.ts'
import { checkBucketAgainstBranch } from './bucket.ts'
import { checkIndexEntries } from './indexes.ts'
import { checkLedger } from './ledger.ts'
import { checkLostUpdates } from './lost-updates.ts'
import { checkReads } from './reads.ts'
import { checkReferences } from './references.ts'
import type { Violation } from './violation.ts'
import { checkWrites } from './writes.ts'

export type { Violation } from './violation.ts'

/** Judges one quiescent schedule: its recorded history against the bucket and the branch it left. */
export async function checkSchedule(history: History, memory: MemoryObjectStore, branch: ModelBranch, ledger: { tenants: readonly string[]; nowMs: number }): Promise<Violation[]> {
  const committed = new CommittedHistory(history.entries)
  const data = await objectsUnder(memory, DATA_PREFIX)
  const leftovers: Violation[] = []
  for (const prefix of [INTENTS_PREFIX, PENDING_PREFIX]) {
    for (const key of (await objectsUnder(memory, prefix)).keys()) {
      leftovers.push({ category: 'unresolved-after-quiescence', message: `${key} is still there after recovery and sync ran to the end`, subjects: [key] })
    }
  }
  // The write protocol's promises first, the books (where domain rules show up too) last.
  return [
    ...checkWrites(history, branch),
    ...checkBucketAgainstBranch(data, branch, committed, history),
    ...checkLostUpdates(history),
    ...(await checkReads(history, committed)),
    ...leftovers,
    ...checkReferences(data),
    ...checkIndexEntries(data, await objectsUnder(memory, INDEX_PREFIX)),
    ...(await checkLedger(data, memory, ledger.tenants, ledger.nowMs)),
  ]
}

async function objectsUnder(memory: MemoryObjectStore, prefix: string): Promise<Map<string, StoredObject>> {
  const objects = new Map<string, StoredObject>()
  let cursor: string | undefined
  do {
    const page = await memory.list({ prefix, cursor })
    for (const listed of page.objects) {
      const object = await memory.get(listed.key)
      if (object !== null) objects.set(listed.key, object)
    }
    cursor = page.cursor
  } while (cursor !== undefined)
  return objects
}
