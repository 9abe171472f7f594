/**
 * Invariant 4 for the Action: a sync killed between any two of its steps — after any git command (fetch,
 * fast-import, push, ...) and after any bucket write (quarantining, each synced copy, the batch delete of pending
 * entries) — then run again to completion leaves every entry committed exactly once, in order, marked synced with
 * its commit, the corrupt entry quarantined, and the branch's data/ tree as the entries make it. Then pairs of
 * crashes (the rerun killed too), drawn from a fixed seed.
 */
import { beforeAll, describe, expect } from 'vitest'
import { quarantineReason, runSync, type EngineContext } from '../../../action/engine/index.ts'
import type { S3ObjectStore } from '../../../action/s3-object-store.ts'
import { parseSyncedEntry, type CommitEntry } from '../../../shared/commit-entry.ts'
import { newId, pendingEntryKey, quarantineKey, syncedEntryKey } from '../../../shared/keys.ts'
import { SimulatedCrash } from '../../../shared/object-store/faulty-store.ts'
import { emptyBucket } from '../../action/support/bucket.ts'
import { generateHistory, writePending, type GeneratedHistory } from '../../action/support/entries.ts'
import { engineContext, reconcilerTest as it } from '../../action/support/reconciler-test.ts'
import { dataTree, makeRepos, type Repos } from '../../action/support/repos.ts'
import { auditCommits } from '../../support/git-audit.ts'
import { FaultyBucket, FaultyGit, Process } from '../support/faults.ts'
import { Dice, suiteSeed } from '../../support/seeded.ts'

const ENTRIES = 14
const SEED = suiteSeed('action crash pairs', 7_2026)
const CORRUPT_AT = '2026-06-25T10:00:02.500Z'

let history: GeneratedHistory
const corruptKey = pendingEntryKey('acme', CORRUPT_AT, newId(new Date(CORRUPT_AT)))

beforeAll(async () => {
  history = await generateHistory(ENTRIES)
})

/** Each crash gets a world of its own: the bucket, and the repositories its runs share. */
interface World {
  store: S3ObjectStore
  repos: Repos
}

/** A fresh bucket with the pending entries and one corrupt entry, and fresh repositories. */
async function freshWorld(store: S3ObjectStore): Promise<World> {
  await emptyBucket(store)
  await writePending(store, history.entries)
  await store.put(corruptKey, '{"v": 1, "oid": "truncated')
  return { store, repos: await makeRepos() }
}

function engine({ store, repos }: World, faults?: { bucket: FaultyBucket; git: FaultyGit }): EngineContext {
  return engineContext(faults?.bucket ?? store, faults?.git ?? repos.work)
}

function faulty({ store, repos }: World) {
  const life = new Process()
  return { process: life, bucket: new FaultyBucket(store, life), git: new FaultyGit(repos.work.cwd, life) }
}

/** A run that must die of the injected crash (and of nothing else). */
async function crashingRun(world: World, arm: (faults: ReturnType<typeof faulty>) => void): Promise<string> {
  const faults = faulty(world)
  arm(faults)
  await expect(runSync(engine(world, faults))).rejects.toThrow(SimulatedCrash)
  return faults.process.diedAt ?? '(unknown)'
}

function expectedMessage(entry: CommitEntry): string {
  return `${entry.message}\n\nAccelerando-Entry: ${entry.oid}\nAccelerando-Tenant: ${entry.tenant}`
}

/** After the clean run: every entry once, in order, synced with its commit; the corrupt one quarantined. */
async function expectConverged({ store, repos }: World, where: string): Promise<void> {
  const commits = (await auditCommits(repos.origin)).slice(1)
  expect(commits.map((commit) => commit.message), where).toEqual(history.entries.map(expectedMessage))
  for (const [index, commit] of commits.entries()) {
    const entry = history.entries[index] as CommitEntry
    expect(commit.authorEmail, where).toBe(entry.author.email)
    expect(commit.parents, where).toHaveLength(1)
  }
  const pending: string[] = []
  for await (const listed of store.listAll('commits/')) pending.push(listed.key)
  expect(pending, `${where}: nothing left pending`).toEqual([])
  const synced = await store.getMany(history.entries.map((entry) => syncedEntryKey(entry.tenant, entry.ts, entry.oid)))
  for (const [index, object] of synced.entries()) {
    const parsed = await parseSyncedEntry(object?.text ?? '')
    expect(parsed.ok && parsed.entry.commit_sha, `${where}: synced copy ${index}`).toBe(commits[index]?.sha)
  }
  const quarantined = await store.get(quarantineKey(corruptKey))
  expect(quarantined?.text, `${where}: the corrupt entry is kept, byte for byte`).toBe('{"v": 1, "oid": "truncated')
  expect(quarantineReason(quarantined?.metadata ?? {}), where).toMatch(/JSON/)
  expect(await dataTree(repos.origin, 'refs/heads/main'), `${where}: the tree the entries make`).toEqual(history.trees.at(-1))
}

describe('the Action killed between any two steps, then run again', () => {
  it('every crash point of one sync, then a clean run: nothing lost, nothing committed twice', async ({ r2 }) => {
    // Probe: the steps of an undisturbed run.
    const probeWorld = await freshWorld(r2.store)
    const probe = faulty(probeWorld)
    const probed = await runSync(engine(probeWorld, probe))
    expect(probed).toMatchObject({ synced: ENTRIES, quarantined: [expect.objectContaining({ key: corruptKey })] })
    await expectConverged(probeWorld, 'undisturbed')
    await probeWorld.repos.dispose()
    const gitSteps = probe.git.commands.length
    const bucketSteps = probe.bucket.writes.length
    expect(probe.git.commands).toEqual(expect.arrayContaining(['fetch', 'fast-import', 'push']))
    expect(bucketSteps).toBe(ENTRIES + 1 + 2)

    const tried: string[] = []
    for (let n = 0; n < gitSteps; n++) {
      const world = await freshWorld(r2.store)
      const diedAt = await crashingRun(world, (faults) => faults.git.crashAfter(n))
      const rerun = await runSync(engine(world))
      expect(rerun.synced + rerun.quarantined.length, diedAt).toBeLessThanOrEqual(ENTRIES + 1)
      await expectConverged(world, diedAt)
      tried.push(diedAt)
      await world.repos.dispose()
    }
    for (let n = 0; n < bucketSteps; n++) {
      const world = await freshWorld(r2.store)
      const diedAt = await crashingRun(world, (faults) => faults.bucket.crashAfter(n))
      await runSync(engine(world))
      await expectConverged(world, diedAt)
      tried.push(diedAt)
      await world.repos.dispose()
    }
    console.log(
      `[invariants] action crash points: ${JSON.stringify({ crashPoints: tried.length, gitCommands: gitSteps, bucketWrites: bucketSteps, commands: probe.git.commands })}`,
    )
    expect(tried).toHaveLength(gitSteps + bucketSteps)
  }, 300_000)

  it('two crashes in a row (the rerun dies too), then a clean run', async ({ r2 }) => {
    const dice = new Dice(SEED)
    const probeWorld = await freshWorld(r2.store)
    const probe = faulty(probeWorld)
    await runSync(engine(probeWorld, probe))
    await probeWorld.repos.dispose()
    const steps = probe.git.commands.length + probe.bucket.writes.length
    const arm = (point: number) => (faults: ReturnType<typeof faulty>) =>
      point < probe.git.commands.length ? faults.git.crashAfter(point) : faults.bucket.crashAfter(point - probe.git.commands.length)
    const pairs: string[] = []
    for (let i = 0; i < 8; i++) {
      const first = dice.int(0, steps - 1)
      const second = dice.int(0, steps - 1)
      const world = await freshWorld(r2.store)
      const a = await crashingRun(world, arm(first))
      // The second run may finish before reaching its crash point (less is left to do): that is fine too.
      const faults = faulty(world)
      arm(second)(faults)
      const b = await runSync(engine(world, faults)).then(
        () => 'finished',
        (error: unknown) => {
          if (!(error instanceof SimulatedCrash)) throw error
          return faults.process.diedAt ?? '(unknown)'
        },
      )
      await runSync(engine(world))
      await expectConverged(world, `${a}; then ${b}`)
      pairs.push(`${first}→${second}`)
      await world.repos.dispose()
    }
    console.log(`[invariants] action crash pairs (seed ${SEED}): ${pairs.join(', ')}`)
  }, 300_000)
})
