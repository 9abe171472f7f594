import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { runReplay, runSync, syncedKeysInRange, type EngineContext } from '../../action/engine/index.ts'
import { parseSyncedEntry, type CommitEntry } from '../../shared/commit-entry.ts'
import { syncedEntryKey } from '../../shared/keys.ts'
import { startMiniflareR2, type MiniflareR2 } from '../support/miniflare-r2.ts'
import { emptyBucket } from './support/bucket.ts'
import { generateHistory, writePending } from './support/entries.ts'
import { dataTree, history, makeRepos, type Repos } from './support/repos.ts'

let r2: MiniflareR2
let repos: Repos

beforeAll(async () => {
  r2 = await startMiniflareR2()
})
afterAll(async () => {
  await r2?.dispose()
})
beforeEach(async () => {
  await emptyBucket(r2.store)
  repos = await makeRepos()
})
afterEach(async () => {
  await repos.dispose()
})

function engine(overrides: Partial<EngineContext> = {}): EngineContext {
  return { objects: r2.store, git: repos.work, branch: 'main', pushRetry: { attempts: 3, baseMs: 1, maxMs: 2 }, ...overrides }
}

async function syncedShas(entries: readonly CommitEntry[]): Promise<string[]> {
  const objects = await r2.store.getMany(entries.map((entry) => syncedEntryKey(entry.tenant, entry.ts, entry.oid)))
  return Promise.all(
    objects.map(async (object) => {
      const parsed = await parseSyncedEntry(object!.text)
      if (!parsed.ok) throw new Error(parsed.reason)
      return parsed.entry.commit_sha
    }),
  )
}

const subjects = async () => (await history(repos.origin)).map((commit) => commit.message.split('\n', 1)[0])

describe('replay', () => {
  it('restores exactly the K commits a force-push removed, and points their synced copies at the new commits', async () => {
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
    expect(await syncedShas(entries.slice(-K))).toEqual(replayed.map((commit) => commit.sha))
    expect(await syncedShas(entries.slice(0, -K))).toEqual(before.slice(1, -K).map((commit) => commit.sha))

    const again = await runReplay(engine(), { since: new Date(entries[0]!.ts) })
    expect(again).toMatchObject({ replayed: 0, commits: [], headSha: replayed.at(-1)!.sha })
  })

  it('replays a whole history into a new, empty data repository', async () => {
    const { entries, trees } = await generateHistory(25)
    await writePending(r2.store, entries)
    await runSync(engine())
    const fresh = await makeRepos({ emptyOrigin: true })
    try {
      const result = await runReplay(engine({ git: fresh.work }))
      expect(result.replayed).toBe(25)
      const commits = await history(fresh.origin)
      expect(commits.map((commit) => commit.message.split('\n', 1)[0])).toEqual(entries.map((entry) => entry.message.split('\n', 1)[0]))
      expect(await dataTree(fresh.origin, commits.at(-1)!.sha)).toEqual(trees.at(-1))
    } finally {
      await fresh.dispose()
    }
  })

  it('relinks synced copies when a rewrite gave their commits new SHAs, replaying nothing', async () => {
    const { entries } = await generateHistory(10)
    await writePending(r2.store, entries)
    await runSync(engine())
    const seed = (await history(repos.origin))[0]!
    // A rebase keeps messages (and trailers) but makes new commits.
    await repos.work.run(['-c', 'user.name=Rewriter', '-c', 'user.email=rewriter@example.com', 'rebase', '--quiet', '--force-rebase', '--onto', seed.sha, seed.sha])
    await repos.work.run(['push', '--quiet', '--force', 'origin', 'HEAD:refs/heads/main'])
    const rewritten = (await history(repos.origin)).slice(1)
    expect(await syncedShas(entries)).not.toEqual(rewritten.map((commit) => commit.sha))

    const result = await runReplay(engine())
    expect(result).toMatchObject({ replayed: 0, relinked: 10, commits: [] })
    expect(await syncedShas(entries)).toEqual(rewritten.map((commit) => commit.sha))
    expect(await subjects()).toHaveLength(11)
  })

  it('dry-run reports what it would replay and changes nothing', async () => {
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

  it('selects synced entries by time, both ends included, oldest first across tenants', async () => {
    const { entries } = await generateHistory(30)
    await writePending(r2.store, entries)
    await runSync(engine())
    const keys = await syncedKeysInRange(r2.store, new Date(entries[10]!.ts), new Date(entries[20]!.ts))
    expect(keys).toEqual(entries.slice(10, 21).map((entry) => syncedEntryKey(entry.tenant, entry.ts, entry.oid)))
    expect(await syncedKeysInRange(r2.store, new Date(entries[29]!.ts))).toHaveLength(1)
    expect(await syncedKeysInRange(r2.store, undefined, new Date(Date.parse(entries[0]!.ts) - 1))).toEqual([])
    expect(await syncedKeysInRange(r2.store)).toHaveLength(30)
  })

  it('refuses a range that ends before it starts', async () => {
    await expect(runReplay(engine(), { since: new Date('2026-07-01T00:00:00Z'), until: new Date('2026-06-01T00:00:00Z') })).rejects.toThrow(/since .* is after until/)
  })
})
