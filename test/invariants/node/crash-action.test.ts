/**
 * Invariant 4 for the Action: a sync killed between any two of its steps — after any git command (fetch,
 * fast-import, push, ...) and after any bucket write (quarantining, each synced copy, the batch delete of pending
 * entries) — then run again to completion leaves every entry committed exactly once, in order, marked synced with
 * its commit, the corrupt entry quarantined, and the branch's data/ tree as the entries make it. Then pairs of
 * crashes (the rerun killed too), drawn from a fixed seed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { quarantineReason, runSync, type EngineContext } from '../../../action/engine/index.ts'
import { parseSyncedEntry, type CommitEntry } from '../../../shared/commit-entry.ts'
import { newId, pendingEntryKey, quarantineKey, syncedEntryKey } from '../../../shared/keys.ts'
import { SimulatedCrash } from '../../../shared/object-store/faulty-store.ts'
import { emptyBucket } from '../../action/support/bucket.ts'
import { generateHistory, writePending, type GeneratedHistory } from '../../action/support/entries.ts'
import { dataTree, makeRepos, type Repos } from '../../action/support/repos.ts'
import { startMiniflareR2, type MiniflareR2 } from '../../support/miniflare-r2.ts'
import { auditCommits } from '../support/git-audit.ts'
import { FaultyBucket, FaultyGit, Process } from '../support/faults.ts'
import { Dice, suiteSeed } from '../support/seeded.ts'

const ENTRIES = 14
const SEED = suiteSeed('action crash pairs', 7_2026)
const CORRUPT_AT = '2026-06-25T10:00:02.500Z'

let r2: MiniflareR2
let history: GeneratedHistory
const corruptKey = pendingEntryKey('acme', CORRUPT_AT, newId(new Date(CORRUPT_AT)))

beforeAll(async () => {
  r2 = await startMiniflareR2({ bucket: 'crash-action' })
  history = await generateHistory(ENTRIES)
})
afterAll(async () => {
  await r2?.dispose()
})

/** A fresh bucket with the pending entries and one corrupt entry, and fresh repositories. */
async function freshWorld(): Promise<Repos> {
  await emptyBucket(r2.store)
  await writePending(r2.store, history.entries)
  await r2.store.put(corruptKey, '{"v": 1, "oid": "truncated')
  return makeRepos()
}

function engine(repos: Repos, faults?: { bucket: FaultyBucket; git: FaultyGit }): EngineContext {
  return {
    objects: faults?.bucket ?? r2.store,
    git: faults?.git ?? repos.work,
    branch: 'main',
    repository: 'https://github.com/acme/books',
    pushRetry: { attempts: 3, baseMs: 1, maxMs: 2 },
  }
}

function faulty(repos: Repos) {
  const life = new Process()
  return { process: life, bucket: new FaultyBucket(r2.store, life), git: new FaultyGit(repos.work.cwd, life) }
}

/** A run that must die of the injected crash (and of nothing else). */
async function crashingRun(repos: Repos, arm: (faults: ReturnType<typeof faulty>) => void): Promise<string> {
  const faults = faulty(repos)
  arm(faults)
  await expect(runSync(engine(repos, faults))).rejects.toThrow(SimulatedCrash)
  return faults.process.diedAt ?? '(unknown)'
}

function expectedMessage(entry: CommitEntry): string {
  return `${entry.message}\n\nAccelerando-Entry: ${entry.oid}\nAccelerando-Tenant: ${entry.tenant}`
}

/** After the clean run: every entry once, in order, synced with its commit; the corrupt one quarantined. */
async function expectConverged(repos: Repos, where: string): Promise<void> {
  const commits = (await auditCommits(repos.origin)).slice(1)
  expect(commits.map((commit) => commit.message), where).toEqual(history.entries.map(expectedMessage))
  for (const [index, commit] of commits.entries()) {
    const entry = history.entries[index] as CommitEntry
    expect(commit.authorEmail, where).toBe(entry.author.email)
    expect(commit.parents, where).toHaveLength(1)
  }
  const pending: string[] = []
  for await (const listed of r2.store.listAll('commits/')) pending.push(listed.key)
  expect(pending, `${where}: nothing left pending`).toEqual([])
  const synced = await r2.store.getMany(history.entries.map((entry) => syncedEntryKey(entry.tenant, entry.ts, entry.oid)))
  for (const [index, object] of synced.entries()) {
    const parsed = await parseSyncedEntry(object?.text ?? '')
    expect(parsed.ok && parsed.entry.commit_sha, `${where}: synced copy ${index}`).toBe(commits[index]?.sha)
  }
  const quarantined = await r2.store.get(quarantineKey(corruptKey))
  expect(quarantined?.text, `${where}: the corrupt entry is kept, byte for byte`).toBe('{"v": 1, "oid": "truncated')
  expect(quarantineReason(quarantined?.metadata ?? {}), where).toMatch(/JSON/)
  expect(await dataTree(repos.origin, 'refs/heads/main'), `${where}: the tree the entries make`).toEqual(history.trees.at(-1))
}

describe('the Action killed between any two steps, then run again', () => {
  it('every crash point of one sync, then a clean run: nothing lost, nothing committed twice', async () => {
    // Probe: the steps of an undisturbed run.
    const probeRepos = await freshWorld()
    const probe = faulty(probeRepos)
    const probed = await runSync(engine(probeRepos, probe))
    expect(probed).toMatchObject({ synced: ENTRIES, quarantined: [expect.objectContaining({ key: corruptKey })] })
    await expectConverged(probeRepos, 'undisturbed')
    await probeRepos.dispose()
    const gitSteps = probe.git.commands.length
    const bucketSteps = probe.bucket.writes.length
    expect(probe.git.commands).toEqual(expect.arrayContaining(['fetch', 'fast-import', 'push']))
    expect(bucketSteps).toBe(ENTRIES + 1 + 2)

    const tried: string[] = []
    for (let n = 0; n < gitSteps; n++) {
      const repos = await freshWorld()
      const diedAt = await crashingRun(repos, (faults) => faults.git.crashAfter(n))
      const rerun = await runSync(engine(repos))
      expect(rerun.synced + rerun.quarantined.length, diedAt).toBeLessThanOrEqual(ENTRIES + 1)
      await expectConverged(repos, diedAt)
      tried.push(diedAt)
      await repos.dispose()
    }
    for (let n = 0; n < bucketSteps; n++) {
      const repos = await freshWorld()
      const diedAt = await crashingRun(repos, (faults) => faults.bucket.crashAfter(n))
      await runSync(engine(repos))
      await expectConverged(repos, diedAt)
      tried.push(diedAt)
      await repos.dispose()
    }
    console.log(
      `[invariants] action crash points: ${JSON.stringify({ crashPoints: tried.length, gitCommands: gitSteps, bucketWrites: bucketSteps, commands: probe.git.commands })}`,
    )
    expect(tried).toHaveLength(gitSteps + bucketSteps)
  }, 300_000)

  it('two crashes in a row (the rerun dies too), then a clean run', async () => {
    const dice = new Dice(SEED)
    const probeRepos = await freshWorld()
    const probe = faulty(probeRepos)
    await runSync(engine(probeRepos, probe))
    await probeRepos.dispose()
    const steps = probe.git.commands.length + probe.bucket.writes.length
    const arm = (point: number) => (faults: ReturnType<typeof faulty>) =>
      point < probe.git.commands.length ? faults.git.crashAfter(point) : faults.bucket.crashAfter(point - probe.git.commands.length)
    const pairs: string[] = []
    for (let i = 0; i < 8; i++) {
      const first = dice.int(0, steps - 1)
      const second = dice.int(0, steps - 1)
      const repos = await freshWorld()
      const a = await crashingRun(repos, arm(first))
      // The second run may finish before reaching its crash point (less is left to do): that is fine too.
      const faults = faulty(repos)
      arm(second)(faults)
      const b = await runSync(engine(repos, faults)).then(
        () => 'finished',
        (error: unknown) => {
          if (!(error instanceof SimulatedCrash)) throw error
          return faults.process.diedAt ?? '(unknown)'
        },
      )
      await runSync(engine(repos))
      await expectConverged(repos, `${a}; then ${b}`)
      pairs.push(`${first}→${second}`)
      await repos.dispose()
    }
    console.log(`[invariants] action crash pairs (seed ${SEED}): ${pairs.join(', ')}`)
  }, 300_000)
})
