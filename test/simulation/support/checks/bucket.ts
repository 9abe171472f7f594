import { META_TX } from '../../../../shared/git-store/record-metadata.ts'
import { recordKeyOfGitPath } from '../../../../shared/keys.ts'
import type { StoredObject } from '../../../../shared/object-store/object-store.ts'
import type { ModelBranch } from '../branch.ts'
import type { CommittedHistory } from '../committed.ts'
import type { History } from '../history.ts'
import { describeCall, type Violation } from './violation.ts'

/**
 * Invariant 4: after recovery and sync, the bucket's `data/` is the branch's tree byte for byte, each record at
 * its sharded place in git. A difference is
 * named by what it is: a record no committed entry wrote (`phantom-record`), a committed write the bucket lost
 * (`lost-acknowledged-write` / `lost-committed-write`), or any other drift (`bucket-git-mismatch`). A record whose
 * bytes are right but whose writer tag names a transaction that never committed is `stuck-record`.
 */
export function checkBucketAgainstBranch(data: Map<string, StoredObject>, branch: ModelBranch, committed: CommittedHistory, history: History): Violation[] {
  const violations: Violation[] = []
  const landed = new Set(history.entries.map(({ oid }) => oid))
  const inGit = new Map<string, string>()
  for (const [path, text] of branch.files) {
    if (!path.startsWith('data/')) continue
    try {
      inGit.set(recordKeyOfGitPath(path), text)
    } catch {
      violations.push({ category: 'misplaced-in-git', message: `${path} is not a record's place in git (gitPathOfRecordKey)`, subjects: [path] })
    }
  }
  const keys = new Set([...data.keys(), ...inGit.keys()])
  for (const key of [...keys].sort()) {
    const object = data.get(key)
    const inBucket = object?.text ?? null
    const inBranch = inGit.get(key) ?? null
    const writer = object?.metadata[META_TX]
    const untagged = writer !== undefined && !landed.has(writer)
    if (inBucket === inBranch) {
      if (untagged) violations.push(stuck(key, writer, history))
      continue
    }
    const bucketIndex = committed.lastIndexOf(key, inBucket)
    const branchIndex = committed.lastIndexOf(key, inBranch)
    if (inBucket !== null && bucketIndex < 0) {
      violations.push(phantom(key, writer, history, 'no committed entry ever wrote its content'))
    } else if (bucketIndex < branchIndex) {
      const lostState = committed.states(key)[branchIndex]
      const lostOid = lostState?.oid ?? '?'
      const by = history.callOf(lostOid)
      const acknowledged = by?.outcome === 'acknowledged'
      violations.push({
        category: acknowledged ? 'lost-acknowledged-write' : 'lost-committed-write',
        message: `${key}: the bucket went back to an older committed state (${inBucket === null ? 'absent' : 'an earlier version'}); the branch has ${lostOid}${by === undefined ? '' : ` by ${describeCall(by)}`}`,
        subjects: [key, lostOid, ...(by === undefined ? [] : [`#${by.n}`])],
      })
    } else {
      violations.push({
        category: 'bucket-git-mismatch',
        message: `${key}: bucket ${inBucket === null ? 'absent' : `has committed state #${bucketIndex}`}, branch ${inBranch === null ? 'absent' : `has committed state #${branchIndex}`}`,
        subjects: [key],
      })
    }
  }
  return violations
}

/** Committed content, but tagged by a transaction that never committed: readers take it as rolled back and refuse it. */
function stuck(key: string, writer: string, history: History): Violation {
  const by = history.callOf(writer)
  return {
    category: 'stuck-record',
    message: `${key} holds committed content but is tagged by ${writer}${by === undefined ? '' : ` (${describeCall(by)})`}, which never committed: readers and writers see a rolled-back writer and answer 409`,
    subjects: [key, writer, ...(by === undefined ? [] : [`#${by.n}`])],
  }
}

function phantom(key: string, writer: string | undefined, history: History, why: string): Violation {
  const by = writer === undefined ? undefined : history.callOf(writer)
  return {
    category: 'phantom-record',
    message: `${key} is in the bucket although ${why} (written by ${writer ?? 'no transaction'}${by === undefined ? '' : `, ${describeCall(by)}`})`,
    subjects: [key, ...(writer === undefined ? [] : [writer]), ...(by === undefined ? [] : [`#${by.n}`])],
  }
}
