import { readdir } from 'node:fs/promises'
import { describe, expect } from 'vitest'
import { runSync, type EngineContext } from '../../action/engine/index.ts'
import { PushRejectedError } from '../../action/engine/branch.ts'
import { quarantineReason } from '../../action/engine/quarantine.ts'
import type { Git } from '../../action/git.ts'
import type { S3ObjectStore } from '../../action/s3-object-store.ts'
import { gitBlobSha } from '../../shared/blob-sha.ts'
import { parseSyncedEntry, type CommitEntry } from '../../shared/commit-entry.ts'
import { GitStore } from '../../shared/git-store/index.ts'
import { newId, pendingEntryKey, quarantineKey, recordKey, syncedEntryKey } from '../../shared/keys.ts'
import { SimulatedCrash } from '../../shared/object-store/faulty-store.ts'
import { ERP_SCHEMA } from '../../shared/schema/index.ts'
import { CrashingBucket } from './support/bucket.ts'
import { customerText, generateHistory, putFile, writePending } from './support/entries.ts'
import { DATA_REPOSITORY, reconcilerTest as it } from './support/reconciler-test.ts'
import { dataTree, history, type CommitInfo } from './support/repos.ts'

const SYNCER = { name: 'accelerando-syncer', email: 'accelerando-syncer@users.noreply.github.com' }

function expectedMessage(entry: CommitEntry): string {
  return `${entry.message}\n\nAccelerando-Entry: ${entry.oid}\nAccelerando-Tenant: ${entry.tenant}`
}

/** How many commits of the branch carry each oid (in their closing trailer paragraph). */
function oidCounts(commits: readonly CommitInfo[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const commit of commits) {
    const trailers = commit.message.trimEnd().split('\n\n').at(-1)!
    for (const match of trailers.matchAll(/^Accelerando-Entry: (\S+)$/gm)) counts.set(match[1]!, (counts.get(match[1]!) ?? 0) + 1)
  }
  return counts
}

async function pendingKeys(store: S3ObjectStore): Promise<string[]> {
  const keys: string[] = []
  for await (const listed of store.listAll('commits/')) keys.push(listed.key)
  return keys
}

/** Every entry is on origin's main exactly once, in order, and marked synced with that commit. */
async function expectAllSynced(store: S3ObjectStore, origin: Git, entries: readonly CommitEntry[]): Promise<CommitInfo[]> {
  const commits = (await history(origin)).slice(1)
  expect(commits).toHaveLength(entries.length)
  const counts = oidCounts(commits)
  expect([...counts.values()].every((n) => n === 1)).toBe(true)
  expect(commits.map((commit) => commit.message.trimEnd())).toEqual(entries.map(expectedMessage))
  expect(await pendingKeys(store)).toEqual([])
  const synced = await store.getMany(entries.map((entry) => syncedEntryKey(entry.tenant, entry.ts, entry.oid)))
  for (const [index, object] of synced.entries()) {
    const parsed = await parseSyncedEntry(object!.text)
    expect(parsed.ok && parsed.entry.commit_sha).toBe(commits[index]!.sha)
  }
  return commits
}

describe('sync', () => {
  it('turns 210 entries of three tenants into exactly 210 commits with their authors, dates, messages, trailers and trees', async ({ r2, repos, engine }) => {
    const { entries, trees } = await generateHistory(210)
    expect(entries.some((entry) => entry.files.some((file) => file.op === 'delete'))).toBe(true)
    await writePending(r2.store, entries)

    const result = await runSync(engine())
    expect(result).toMatchObject({ synced: 210, alreadyCommitted: 0, quarantined: [], remaining: 0, pushAttempts: 1 })
    expect(result.commits).toHaveLength(210)

    const commits = await expectAllSynced(r2.store, repos.origin, entries)
    const seed = (await history(repos.origin))[0]!
    for (const [index, commit] of commits.entries()) {
      const entry = entries[index]!
      expect(commit.parents).toEqual([index === 0 ? seed.sha : commits[index - 1]!.sha])
      expect(commit).toMatchObject({
        authorName: entry.author.name,
        authorEmail: entry.author.email,
        authorTime: Math.floor(Date.parse(entry.ts) / 1000),
        committerName: SYNCER.name,
        committerEmail: SYNCER.email,
      })
      expect(result.commits[index]).toMatchObject({ sha: commit.sha, oids: [entry.oid] })
      expect(await dataTree(repos.origin, commit.sha)).toEqual(trees[index])
    }
    expect(result.headSha).toBe(commits.at(-1)!.sha)
    // Files outside data/ are untouched.
    expect(await repos.origin.catFile(`${result.headSha}:README.md`)).toBe('# Books\n')

    // The synced copies carry the summary the activity feed lists, with the commit.
    const last = entries.at(-1)!
    const copy = await r2.store.get(syncedEntryKey(last.tenant, last.ts, last.oid))
    expect(copy!.metadata).toMatchObject({ oid: last.oid, tenant: last.tenant, commit_sha: result.headSha, repository: DATA_REPOSITORY })
    expect(JSON.parse(copy!.text)).toMatchObject({ ...last, commit_sha: result.headSha, repository: DATA_REPOSITORY })

    // The checkout followed the branch, files and all.
    expect(await repos.work.headSha()).toBe(result.headSha)
    expect(await repos.work.run(['status', '--porcelain'])).toBe('')
  })

  it('makes no commit when run again', async ({ r2, repos, engine }) => {
    const { entries } = await generateHistory(12)
    await writePending(r2.store, entries)
    const first = await runSync(engine())
    const second = await runSync(engine())
    expect(second).toMatchObject({ pending: 0, synced: 0, commits: [], headSha: first.headSha })
    await expectAllSynced(r2.store, repos.origin, entries)
  })

  it('creates the branch when the data repository is empty', async ({ r2, engine, newRepos }) => {
    const empty = await newRepos({ emptyOrigin: true })
    const { entries, trees } = await generateHistory(5)
    await writePending(r2.store, entries)
    const result = await runSync(engine({ git: empty.work }))
    const commits = await history(empty.origin)
    expect(commits).toHaveLength(5)
    expect(commits[0]!.parents).toEqual([])
    expect(commits.map((commit) => commit.message.trimEnd())).toEqual(entries.map(expectedMessage))
    expect(await dataTree(empty.origin, result.headSha!)).toEqual(trees.at(-1))
  })

  it('syncs what GitStore transactions wrote over the S3 API, file for file', async ({ r2, repos, engine }) => {
    const store = new GitStore({ objects: r2.store, schema: ERP_SCHEMA, tenant: 'acme', author: { name: 'Ada', email: 'ada@acme.example' } })
    const { stored: customer } = await store.create('Customer', { name: 'Ada Corp' })
    await store.edit('Customer', customer.record.id, { email: 'billing@ada.example' })
    await store.transaction('create two vendors', async (tx) => {
      await tx.create('Vendor', { name: 'Paper Ltd' })
      await tx.create('Vendor', { name: 'Ink plc' })
    })
    await store.delete('Customer', customer.record.id)

    const result = await runSync(engine())
    expect(result.commits.map((commit) => commit.subject)).toEqual([
      `create Customer ${customer.record.id}`,
      `edit Customer ${customer.record.id.slice(0, 8)}: email → billing@ada.example`,
      'create two vendors',
      `delete Customer ${customer.record.id}`,
    ])
    const tree = await dataTree(repos.origin, result.headSha!)
    const bucket: Record<string, string> = {}
    for await (const listed of r2.store.listAll('data/')) bucket[listed.key] = await gitBlobSha((await r2.store.get(listed.key))!.text)
    expect(tree).toEqual(bucket)
    expect(Object.keys(tree)).toHaveLength(2)
  })

  describe('killed anywhere, the next run finishes without duplicating or losing an entry', () => {
    const points: { name: string; arm: (context: EngineContext, bucket: CrashingBucket) => void }[] = [
      { name: 'after fast-import', arm: (context) => (context.hooks = { afterImport: () => { throw new SimulatedCrash() } }) },
      { name: 'just before the push', arm: (context) => (context.hooks = { beforePush: () => { throw new SimulatedCrash() } }) },
      { name: 'after the push', arm: (context) => (context.hooks = { afterPush: () => { throw new SimulatedCrash() } }) },
      {
        name: 'in the middle of writing synced copies',
        arm: (_context, bucket) => {
          let puts = 0
          bucket.crashWhen((operation) => operation.op === 'put' && operation.key.startsWith('synced/') && ++puts > 13)
        },
      },
      { name: 'before deleting the pending entries', arm: (_context, bucket) => bucket.crashWhen((operation) => operation.op === 'delete') },
    ]
    for (const point of points) {
      it(point.name, async ({ r2, repos, engine }) => {
        const { entries, trees } = await generateHistory(30)
        await writePending(r2.store, entries)
        const bucket = new CrashingBucket(r2.store)
        const doomed = engine({ objects: bucket })
        point.arm(doomed, bucket)
        await expect(runSync(doomed)).rejects.toThrow(SimulatedCrash)

        const rerun = await runSync(engine())
        expect(rerun.synced).toBe(30)
        const commits = await expectAllSynced(r2.store, repos.origin, entries)
        expect(rerun.commits.length + rerun.alreadyCommitted).toBe(30)
        expect(await dataTree(repos.origin, commits.at(-1)!.sha)).toEqual(trees.at(-1))
      })
    }

    it('while moving a corrupt entry to quarantine', async ({ r2, repos, engine }) => {
      const { entries } = await generateHistory(3)
      await writePending(r2.store, entries)
      const bad = pendingEntryKey('acme', '2026-06-25T09:00:00.000Z', newId(new Date('2026-06-25T09:00:00.000Z')))
      await r2.store.put(bad, '{ not json')
      const bucket = new CrashingBucket(r2.store)
      bucket.crashWhen((operation) => operation.op === 'delete')
      await expect(runSync(engine({ objects: bucket }))).rejects.toThrow(SimulatedCrash)
      expect((await r2.store.get(quarantineKey(bad)))?.text).toBe('{ not json')

      const rerun = await runSync(engine())
      expect(rerun.quarantined.map((item) => item.key)).toEqual([bad])
      expect(await r2.store.get(bad)).toBeNull()
      await expectAllSynced(r2.store, repos.origin, entries)
    })
  })

  describe('a push that loses the race', () => {
    it('rebuilds on the rival commit: both survive, no merge commit', async ({ r2, repos, engine }) => {
      const { entries, trees } = await generateHistory(20)
      await writePending(r2.store, entries)
      const rival = await repos.clone('rival')
      let rivalSha = ''
      const result = await runSync(
        engine({
          hooks: {
            beforePush: async (attempt) => {
              if (attempt !== 1) return
              await rival.run(['-c', 'user.name=Rival', '-c', 'user.email=rival@example.com', 'commit', '--quiet', '--allow-empty', '-m', 'a rival lands first'])
              expect((await rival.push('origin', 'HEAD:refs/heads/main')).ok).toBe(true)
              rivalSha = (await rival.headSha())!
            },
          },
        }),
      )
      expect(result.pushAttempts).toBe(2)
      const all = await history(repos.origin)
      expect(all.map((commit) => commit.parents.length).every((n) => n === 1 || n === 0)).toBe(true)
      expect(all[1]!.sha).toBe(rivalSha)
      const ours = all.slice(2)
      expect(ours.map((commit) => commit.message.trimEnd())).toEqual(entries.map(expectedMessage))
      expect(await dataTree(repos.origin, ours.at(-1)!.sha)).toEqual(trees.at(-1))
      expect(await repos.origin.run(['rev-list', '--merges', 'main'])).toBe('')
      expect(await pendingKeys(r2.store)).toEqual([])
    })

    it('commits nothing twice when a second syncer got the same entries in first', async ({ r2, repos, engine }) => {
      const { entries } = await generateHistory(15)
      await writePending(r2.store, entries)
      const rivalClone = await repos.clone('rival')
      const result = await runSync(
        engine({
          hooks: {
            beforePush: async (attempt) => {
              // Another committer identity, so its commits cannot coincide byte for byte with ours.
              if (attempt === 1) await runSync(engine({ git: rivalClone, committer: { name: 'other-syncer', email: 'other@example.com' } }))
            },
          },
        }),
      )
      expect(result).toMatchObject({ commits: [], alreadyCommitted: 15, synced: 15, pushAttempts: 2 })
      await expectAllSynced(r2.store, repos.origin, entries)
    })

    it('gives up after the bounded number of attempts, leaving every entry pending', async ({ r2, repos, engine }) => {
      const { entries } = await generateHistory(5)
      const keys = await writePending(r2.store, entries)
      const rival = await repos.clone('rival')
      let rivals = 0
      const attempt = runSync(
        engine({
          pushRetry: { attempts: 3, baseMs: 1, maxMs: 2 },
          hooks: {
            beforePush: async () => {
              await rival.run(['pull', '--quiet', '--ff-only'])
              await rival.run(['-c', 'user.name=Rival', '-c', 'user.email=rival@example.com', 'commit', '--quiet', '--allow-empty', '-m', `rival ${++rivals}`])
              await rival.push('origin', 'HEAD:refs/heads/main')
            },
          },
        }),
      )
      await expect(attempt).rejects.toThrow(PushRejectedError)
      expect(rivals).toBe(3)
      expect(oidCounts(await history(repos.origin)).size).toBe(0)
      expect((await pendingKeys(r2.store)).sort()).toEqual([...keys].sort())
    })
  })

  it('quarantines corrupt entries with their reason and syncs the good ones', async ({ r2, repos, engine }) => {
    const { entries } = await generateHistory(10)
    await writePending(r2.store, entries)
    const at = new Date('2026-06-25T10:00:03.500Z')
    const customerPath = (id: string) => recordKey(ERP_SCHEMA, 'acme', 'Customer', id)
    const corrupt = async (label: string, mutate: (entry: CommitEntry) => Promise<string> | string) => {
      const id = newId(at)
      const oid = newId(at)
      const entry: CommitEntry = {
        v: 1,
        oid,
        tenant: 'acme',
        message: `corrupt: ${label}`,
        author: { name: 'Bot', email: 'bot@acme.example' },
        ts: at.toISOString(),
        paths: [customerPath(id)],
        files: [await putFile(customerPath(id), customerText('acme', id, 'Evil', at.toISOString()))],
      }
      const key = pendingEntryKey('acme', at, oid)
      await r2.store.put(key, await mutate(entry))
      return key
    }
    const badJson = await corrupt('json', (entry) => JSON.stringify(entry).slice(0, -7))
    const wrongSha = await corrupt('sha', (entry) => {
      const file = entry.files[0] as { content: string }
      file.content = file.content.replace('Evil', 'Evil, edited after hashing')
      return JSON.stringify(entry)
    })
    const badAgi = await corrupt('agi', async (entry) => {
      const file = entry.files[0] as { content: string; sha: string }
      file.content = file.content.replace('"Evil"', 'Evil')
      file.sha = await gitBlobSha(file.content)
      return JSON.stringify(entry)
    })

    const result = await runSync(engine())
    expect(result.quarantined).toHaveLength(3)
    const reasons = Object.fromEntries(result.quarantined.map((item) => [item.key, item.reason]))
    expect(reasons[badJson]).toMatch(/^not JSON/)
    expect(reasons[wrongSha]).toMatch(/hashes to [0-9a-f]{40}, not [0-9a-f]{40}/)
    expect(reasons[badAgi]).toMatch(/bad \.agi content: data\/acme\/Customer\/.*\.agi:\d+:\d+: expected a quoted string/)
    for (const key of [badJson, wrongSha, badAgi]) {
      const moved = await r2.store.get(quarantineKey(key))
      expect(quarantineReason(moved!.metadata)).toBe(reasons[key])
      expect(await r2.store.get(key)).toBeNull()
    }
    expect(result.synced).toBe(10)
    await expectAllSynced(r2.store, repos.origin, entries)
  })

  it('dry-run reports and changes nothing', async ({ r2, repos, engine }) => {
    const { entries } = await generateHistory(8)
    const keys = await writePending(r2.store, entries)
    await r2.store.put(pendingEntryKey('acme', '2026-06-25T09:00:00.000Z', newId()), 'garbage')
    const before = await repos.origin.revParse('main')
    const result = await runSync(engine(), { dryRun: true })
    expect(result).toMatchObject({ dryRun: true, synced: 8, headSha: before })
    expect(result.commits).toHaveLength(8)
    expect(result.commits.every((commit) => commit.sha === '')).toBe(true)
    expect(result.quarantined).toHaveLength(1)
    expect(await repos.origin.revParse('main')).toBe(before)
    expect(await pendingKeys(r2.store)).toHaveLength(keys.length + 1)
    expect(await r2.store.list({ prefix: 'quarantine/' })).toEqual({ objects: [] })
  })

  it('max-entries takes the oldest entries first and reports what remains', async ({ r2, repos, engine }) => {
    const { entries } = await generateHistory(25)
    await writePending(r2.store, entries)
    const first = await runSync(engine(), { maxEntries: 10 })
    expect(first).toMatchObject({ pending: 25, synced: 10, remaining: 15 })
    expect(first.commits.map((commit) => commit.oids[0])).toEqual(entries.slice(0, 10).map((entry) => entry.oid))
    const second = await runSync(engine(), { maxEntries: 10 })
    expect(second).toMatchObject({ pending: 15, synced: 10, remaining: 5 })
    const third = await runSync(engine(), { maxEntries: 10 })
    expect(third).toMatchObject({ pending: 5, synced: 5, remaining: 0 })
    await expectAllSynced(r2.store, repos.origin, entries)
  })

  it('batch mode folds a run into one commit whose trailers list every entry', async ({ r2, repos, engine }) => {
    const { entries, trees } = await generateHistory(30)
    await writePending(r2.store, entries)
    const result = await runSync(engine(), { commitMode: 'batch' })
    expect(result.commits).toHaveLength(1)
    const commits = (await history(repos.origin)).slice(1)
    expect(commits).toHaveLength(1)
    const commit = commits[0]!
    expect(commit.message).toMatch(/^sync 30 entries \(acme, globex, initech\)\n\n/)
    expect([...oidCounts(commits).keys()]).toEqual(entries.map((entry) => entry.oid))
    expect(commit.message.trimEnd()).toMatch(/Accelerando-Tenant: acme\nAccelerando-Tenant: globex\nAccelerando-Tenant: initech$/)
    expect(commit.authorTime).toBe(Math.floor(Date.parse(entries.at(-1)!.ts) / 1000))
    expect(await dataTree(repos.origin, commit.sha)).toEqual(trees.at(-1))
    expect(await pendingKeys(r2.store)).toEqual([])
    expect((await runSync(engine(), { commitMode: 'batch' })).commits).toEqual([])
  })

  it('works in the sync workflow\'s sparse checkout: the branch follows, no record is written to disk', async ({ r2, repos, engine }) => {
    const { entries, trees } = await generateHistory(9)
    await writePending(r2.store, entries)
    const sparse = await repos.clone('sparse')
    await sparse.run(['sparse-checkout', 'set', '--cone', '.github'])
    const result = await runSync(engine({ git: sparse }))
    expect(result.commits).toHaveLength(9)
    expect(await dataTree(repos.origin, result.headSha!)).toEqual(trees.at(-1))
    expect(await sparse.headSha()).toBe(result.headSha)
    expect(await sparse.run(['status', '--porcelain'])).toBe('')
    expect(await sparse.run(['ls-files', '-t', '--', 'data'])).toMatch(/^(S [^\n]+\n)+$/)
    expect(await readdir(sparse.cwd)).toEqual(['.git', 'README.md'])
  })

  it('keeps the sparse index of a checkout made with one: one entry for data/, index equal to the branch', async ({ r2, repos, engine }) => {
    const { entries, trees } = await generateHistory(9)
    await writePending(r2.store, entries)
    // As the sync workflow checks out: index.sparse set before the checkout writes its first index.
    const sparse = await repos.clone('sparse-index')
    await sparse.run(['sparse-checkout', 'set', '--cone', '--sparse-index', '.github'])
    const result = await runSync(engine({ git: sparse }))
    expect(result.commits).toHaveLength(9)
    expect(await sparse.headSha()).toBe(result.headSha)
    expect(await dataTree(repos.origin, result.headSha!)).toEqual(trees.at(-1))
    // Following the branch kept one sparse-directory entry for all records, and it names the new tree.
    expect(await sparse.run(['ls-files', '--sparse', '--', 'data'])).toBe('data/\n')
    expect(await sparse.run(['ls-files', '--sparse', '-s', '--', 'data'])).toContain((await sparse.revParse(`${result.headSha}:data`)))
    expect(await sparse.run(['diff-index', '--cached', 'HEAD'])).toBe('')
    expect(await sparse.run(['status', '--porcelain'])).toBe('')
    expect(await readdir(sparse.cwd)).toEqual(['.git', 'README.md'])
  })

  it('reads enough history in a shallow clone not to commit an entry twice', async ({ r2, repos, engine }) => {
    const { entries } = await generateHistory(12)
    await writePending(r2.store, entries)
    // The first run pushes, then dies before marking anything.
    await expect(runSync(engine({ hooks: { afterPush: () => { throw new SimulatedCrash() } } }))).rejects.toThrow(SimulatedCrash)
    const shallow = await repos.clone('shallow', { depth: 1 })
    expect(await shallow.isShallow()).toBe(true)
    const rerun = await runSync(engine({ git: shallow }))
    expect(rerun).toMatchObject({ commits: [], alreadyCommitted: 12 })
    await expectAllSynced(r2.store, repos.origin, entries)
  })

  it('leaves a trailer-like line inside an entry message alone', async ({ r2, repos, engine }) => {
    const { entries } = await generateHistory(2)
    const victim = entries[1]!
    entries[0]!.message = `sneaky\n\nAccelerando-Entry: ${victim.oid}`
    await writePending(r2.store, entries)
    const result = await runSync(engine())
    expect(result.commits).toHaveLength(2)
    await expectAllSynced(r2.store, repos.origin, entries)
  })
})
