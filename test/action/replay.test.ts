import { describe, expect } from 'vitest'
import { runReplay, runSync, syncedKeysInRange } from '../../action/engine/index.ts'
import type { Git } from '../../action/git.ts'
import type { S3ObjectStore } from '../../action/s3-object-store.ts'
import { parseSyncedEntry, type CommitEntry } from '../../shared/commit-entry.ts'
import { syncedEntryKey } from '../../shared/keys.ts'
import { generateHistory, writePending } from './support/entries.ts'
import { reconcilerTest as it } from './support/reconciler-test.ts'
import { dataTree, history } from './support/repos.ts'

async function syncedShas(store: S3ObjectStore, entries: readonly CommitEntry[]): Promise<string[]> {
  const objects = await store.getMany(entries.map((entry) => syncedEntryKey(entry.tenant, entry.ts, entry.oid)))
  return Promise.all(
    objects.map(async (object) => {
      const parsed = await parseSyncedEntry(object!.text)
      if (!parsed.ok) throw new Error(parsed.reason)
      return parsed.entry.commit_sha
    }),
  )
}

const subjects = async (origin: Git) => (await history(origin)).map((commit) => commit.message.split('\n', 1)[0])

describe('replay', () => {
  it('restores exactly the K commits a force-push removed, and points their synced copies at the new commits', async ({ r2, repos, engine }) => {
    const { entries, trees } = await generateHistory(40)
    await writePending(r2.store, entries)
    await runSync(engine())
    const before = await history(repos.origin)
    const K = 7
    const kept = before.at(-1 - K)!
    await repos.work.run(['push', '--quiet', '--force', 'origin', `${kept.sha}:refs/heads/main`])
    expect(await history(repos.origin)).toHaveLength(before.length - K)

    const result = await runReplay(engine(), { since: new Date(entries[0]!.ts) })
    expect(result).toMatchObject({ considered: 40, replayed: K, relinked: 0, skipped: [] })
    const after = await history(repos.origin)
    expect(after).toHaveLength(before.length)
    expect(after.slice(0, -K).map((commit) => commit.sha)).toEqual(before.slice(0, -K).map((commit) => commit.sha))
    const replayed = after.slice(-K)
    expect(replayed.map((commit) => commit.message)).toEqual(before.slice(-K).map((commit) => commit.message))
    expect(replayed.map((commit) => [commit.authorName, commit.authorTime])).toEqual(before.slice(-K).map((commit) => [commit.authorName, commit.authorTime]))
    expect(await dataTree(repos.origin, replayed.at(-1)!.sha)).toEqual(trees.at(-1))
    expect(await syncedShas(r2.store, entries.slice(-K))).toEqual(replayed.map((commit) => commit.sha))
    expect(await syncedShas(r2.store, entries.slice(0, -K))).toEqual(before.slice(1, -K).map((commit) => commit.sha))

    const again = await runReplay(engine(), { since: new Date(entries[0]!.ts) })
    expect(again).toMatchObject({ replayed: 0, commits: [], headSha: replayed.at(-1)!.sha })
  })

  it('replays a whole history into a new, empty data repository', async ({ r2, engine, newRepos }) => {
    const { entries, trees } = await generateHistory(25)
    await writePending(r2.store, entries)
    await runSync(engine())
    const fresh = await newRepos({ emptyOrigin: true })
    const result = await runReplay(engine({ git: fresh.work }))
    expect(result.replayed).toBe(25)
    expect(await subjects(fresh.origin)).toEqual(entries.map((entry) => entry.message.split('\n', 1)[0]))
    expect(await dataTree(fresh.origin, (await history(fresh.origin)).at(-1)!.sha)).toEqual(trees.at(-1))
  })

  it('relinks synced copies when a rewrite gave their commits new SHAs, replaying nothing', async ({ r2, repos, engine }) => {
    const { entries } = await generateHistory(10)
    await writePending(r2.store, entries)
    await runSync(engine())
    const seed = (await history(repos.origin))[0]!
    // A rebase keeps messages (and trailers) but makes new commits.
    await repos.work.run(['-c', 'user.name=Rewriter', '-c', 'user.email=rewriter@example.com', 'rebase', '--quiet', '--force-rebase', '--onto', seed.sha, seed.sha])
    await repos.work.run(['push', '--quiet', '--force', 'origin', 'HEAD:refs/heads/main'])
    const rewritten = (await history(repos.origin)).slice(1)
    expect(await syncedShas(r2.store, entries)).not.toEqual(rewritten.map((commit) => commit.sha))

    const result = await runReplay(engine())
    expect(result).toMatchObject({ replayed: 0, relinked: 10, commits: [] })
    expect(await syncedShas(r2.store, entries)).toEqual(rewritten.map((commit) => commit.sha))
    expect(await subjects(repos.origin)).toHaveLength(11)
  })

  it('dry-run reports what it would replay and changes nothing', async ({ r2, repos, engine }) => {
    const { entries } = await generateHistory(6)
    await writePending(r2.store, entries)
    await runSync(engine())
    const all = await history(repos.origin)
    await repos.work.run(['push', '--quiet', '--force', 'origin', `${all.at(-3)!.sha}:refs/heads/main`])
    const result = await runReplay(engine(), { dryRun: true })
    expect(result).toMatchObject({ replayed: 2, dryRun: true })
    expect(result.commits.map((commit) => commit.oids[0])).toEqual(entries.slice(-2).map((entry) => entry.oid))
    expect(await history(repos.origin)).toHaveLength(all.length - 2)
  })

  it('selects synced entries by time, both ends included, oldest first across tenants', async ({ r2, engine }) => {
    const { entries } = await generateHistory(30)
    await writePending(r2.store, entries)
    await runSync(engine())
    const keys = await syncedKeysInRange(r2.store, new Date(entries[10]!.ts), new Date(entries[20]!.ts))
    expect(keys).toEqual(entries.slice(10, 21).map((entry) => syncedEntryKey(entry.tenant, entry.ts, entry.oid)))
    expect(await syncedKeysInRange(r2.store, new Date(entries[29]!.ts))).toHaveLength(1)
    expect(await syncedKeysInRange(r2.store, undefined, new Date(Date.parse(entries[0]!.ts) - 1))).toEqual([])
    expect(await syncedKeysInRange(r2.store)).toHaveLength(30)
  })

  it('refuses a range that ends before it starts', async ({ engine }) => {
    await expect(runReplay(engine(), { since: new Date('2026-07-01T00:00:00Z'), until: new Date('2026-06-01T00:00:00Z') })).rejects.toThrow(/since .* is after until/)
  })
})
