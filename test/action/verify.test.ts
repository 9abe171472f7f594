import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { describe, expect } from 'vitest'
import { runSync, runVerify, type EngineContext } from '../../action/engine/index.ts'
import { serializeRecord } from '../../shared/agi/index.ts'
import { gitBlobSha } from '../../shared/blob-sha.ts'
import { GitStore } from '../../shared/git-store/index.ts'
import { gitPathOfRecordKey, indexCompleteKey, indexKey, newId, recordKey } from '../../shared/keys.ts'
import { keysUnder } from '../contract/git-store-contract.ts'
import { FaultyObjectStore } from '../../shared/object-store/faulty-store.ts'
import { ERP_SCHEMA } from '../../shared/schema/index.ts'
import type { Git } from '../../action/git.ts'
import type { S3ObjectStore } from '../../action/s3-object-store.ts'
import { GatedObjectStore } from '../support/gated-store.ts'
import { customerText, generateHistory, writePending, writeRecords } from './support/entries.ts'
import { reconcilerTest as it } from './support/reconciler-test.ts'
import { dataTree, history } from './support/repos.ts'

/** A synced history whose records are in the bucket too: bucket and branch agree. */
async function agreeingState(store: S3ObjectStore, engine: () => EngineContext, count = 20) {
  const history = await generateHistory(count)
  await writePending(store, history.entries)
  await writeRecords(store, history.finalFiles)
  await runSync(engine())
  return history
}

/** Writes a file into a clone's work tree and stages it, as someone editing the data repository by hand. */
async function commitFile(clone: Git, path: string, text: string): Promise<void> {
  await mkdir(dirname(join(clone.cwd, path)), { recursive: true })
  await writeFile(join(clone.cwd, path), text)
  await clone.run(['add', path])
}

async function commitByHand(clone: Git, message: string): Promise<void> {
  await clone.run(['-c', 'user.name=Hand', '-c', 'user.email=hand@example.com', 'commit', '--quiet', '-m', message])
  await clone.push('origin', 'HEAD:refs/heads/main')
}

describe('verify', () => {
  it('finds no drift when the branch mirrors the bucket', async ({ r2, engine }) => {
    const { finalFiles } = await agreeingState(r2.store, engine)
    const result = await runVerify(engine())
    expect(result).toMatchObject({ drift: [], integrity: [], unsettled: [], bucketFiles: finalFiles.size, gitFiles: finalFiles.size, repaired: null })
    expect(result.recovery).toMatchObject({ examined: 0 })
  })

  it('reports every kind of hand-made drift, and repair commits the bucket state as one commit', async ({ r2, repos, engine }) => {
    const { finalFiles } = await agreeingState(r2.store, engine)
    const paths = [...finalFiles.keys()].sort()
    const [changed, removed] = paths as [string, string]
    const id = newId()
    const added = recordKey(ERP_SCHEMA, 'acme', 'Customer', id)
    await r2.store.put(changed, customerText('acme', changed.slice(-40, -4), 'Changed by hand', '2026-06-25T10:00:00.000Z'))
    await r2.store.delete(removed)
    await r2.store.put(added, customerText('acme', id, 'Only in the bucket', '2026-06-25T10:00:00.000Z'))
    // A file someone committed straight to the data repository.
    const rival = await repos.clone('rival')
    const stray = recordKey(ERP_SCHEMA, 'globex', 'Customer', newId())
    await commitFile(rival, gitPathOfRecordKey(stray), customerText('globex', stray.slice(-40, -4), 'Only in git', '2026-06-25T10:00:00.000Z'))
    await commitByHand(rival, 'hand edit')

    const report = await runVerify(engine())
    expect(report.drift.map((item) => [item.path, item.kind])).toEqual(
      [
        [changed, 'different'],
        [removed, 'missing-in-bucket'],
        [added, 'missing-in-git'],
        [stray, 'missing-in-bucket'],
      ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    )
    expect(report.repaired).toBeNull()

    const repaired = await runVerify(engine(), { repair: true })
    expect(repaired.repaired).toMatchObject({ subject: 'reconcile: 4 files drifted', files: 4 })
    const head = (await history(repos.origin)).at(-1)!
    expect(head.sha).toBe(repaired.headSha)
    expect(head.message).toMatch(/^reconcile: 4 files drifted\n/)
    expect(head).toMatchObject({ authorName: 'accelerando-syncer', committerName: 'accelerando-syncer' })
    const tree = await dataTree(repos.origin, head.sha)
    expect(tree[removed]).toBeUndefined()
    expect(tree[stray]).toBeUndefined()
    expect(tree[added]).toBeDefined()

    expect((await runVerify(engine())).drift).toEqual([])
  })

  it('reports records out of their sharded place, and repair moves them there in one commit', async ({ r2, repos, engine }) => {
    const { finalFiles } = await agreeingState(r2.store, engine, 12)
    const [moved, edited, doubled] = [...finalFiles.keys()].sort() as [string, string, string]
    const flat = (key: string) => key // the layout of old repositories: the bucket key itself
    const rival = await repos.clone('rival')
    // An old flat-layout copy of three records, each removed from its place (or kept, for the duplicate)...
    await rival.run(['mv', gitPathOfRecordKey(moved), flat(moved)])
    await rival.run(['mv', gitPathOfRecordKey(edited), flat(edited)])
    await commitFile(rival, flat(edited), customerText(edited.split('/')[1]!, edited.slice(-40, -4), 'Edited at the old path', '2026-06-25T10:00:00.000Z'))
    await commitFile(rival, flat(doubled), finalFiles.get(doubled)!)
    // ...a record the bucket no longer has, somewhere else under its entity, and a file that names no record.
    const gone = recordKey(ERP_SCHEMA, 'acme', 'Customer', newId())
    const goneAt = `data/acme/Customer/archive/${gone.slice(-40)}`
    await commitFile(rival, goneAt, customerText('acme', gone.slice(-40, -4), 'Gone', '2026-06-25T10:00:00.000Z'))
    await commitFile(rival, 'data/acme/notes.txt', 'not a record\n')
    await commitByHand(rival, 'old layout')

    const report = await runVerify(engine())
    expect(report.drift.map((item) => [item.path, item.kind, item.gitPath])).toEqual(
      [
        [moved, 'misplaced', flat(moved)],
        [edited, 'misplaced', flat(edited)],
        [doubled, 'misplaced', flat(doubled)],
        [gone, 'misplaced', goneAt],
        ['data/acme/notes.txt', 'missing-in-bucket', 'data/acme/notes.txt'],
      ].sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0)),
    )

    const repaired = await runVerify(engine(), { repair: true })
    expect(repaired.repaired).toMatchObject({ subject: 'reconcile: 5 files drifted' })
    const head = await repos.origin.revParse('main')
    // Every record at its place, with the bucket's bytes; nothing else under data/.
    expect(await dataTree(repos.origin, head)).toEqual(Object.fromEntries(await Promise.all([...finalFiles].map(async ([key, text]) => [key, await gitBlobSha(text)]))))
    // Git sees the untouched record as a move, so `git log --follow` walks through it.
    const renames = await repos.origin.run(['diff-tree', '-r', '-M', '--name-status', `${head}^`, head])
    expect(renames).toContain(`R100\t${flat(moved)}\t${gitPathOfRecordKey(moved)}`)
    expect((await runVerify(engine())).drift).toEqual([])
  })

  it('counts pending entries as on their way, not as drift', async ({ r2, engine }) => {
    const { entries, finalFiles } = await generateHistory(12)
    await writePending(r2.store, entries.slice(0, 8))
    await runSync(engine())
    await writePending(r2.store, entries.slice(8))
    await writeRecords(r2.store, finalFiles)
    const result = await runVerify(engine())
    expect(result).toMatchObject({ drift: [], pendingEntries: 4 })
  })

  it('finishes an abandoned transaction first, and leaves one in flight out of the comparison', async ({ r2, engine }) => {
    await agreeingState(r2.store, engine, 6)
    const crashing = (now: Date) => {
      const faulty = new FaultyObjectStore(r2.store)
      faulty.crashAfter(2) // the intent and the record land; the entry (the commit point) does not
      return new GitStore({ objects: faulty, schema: ERP_SCHEMA, tenant: 'acme', author: { name: 'Ada', email: 'ada@acme.example' }, now: () => now })
    }
    await expect(crashing(new Date(Date.now() - 3600_000)).create('Customer', { name: 'Abandoned' })).rejects.toThrow()
    await expect(crashing(new Date()).create('Customer', { name: 'In flight' })).rejects.toThrow()

    const result = await runVerify(engine())
    expect(result.recovery).toMatchObject({ examined: 2, rolledBack: [expect.any(String)], inFlight: [expect.any(String)] })
    expect(result.unsettled).toHaveLength(1)
    expect(result.drift).toEqual([])
  })

  it('repair never commits a transaction that starts while verify reads the bucket', async ({ r2, repos, engine }) => {
    await agreeingState(r2.store, engine, 4)
    const gated = new GatedObjectStore(r2.store)
    const commitPoint = gated.gate((call) => call.op === 'put' && call.key.startsWith('commits/'))
    let inFlight: Promise<unknown> | undefined
    // A writer starts right as verify lists the bucket's data, and is still before its commit point when verify decides.
    const bucket = new Proxy(r2.store, {
      get(target, name) {
        const value = Reflect.get(target, name, target)
        if (name !== 'listAll') return typeof value === 'function' ? value.bind(target) : value
        return (prefix: string, options?: { startAfter?: string }) => {
          if (prefix === 'data/' && inFlight === undefined) {
            inFlight = new GitStore({ objects: gated, schema: ERP_SCHEMA, tenant: 'acme', author: { name: 'Ada', email: 'ada@acme.example' } }).create('Customer', { name: 'In flight' })
            return (async function* () {
              await commitPoint.reached
              yield* target.listAll(prefix, options)
            })()
          }
          return target.listAll(prefix, options)
        }
      },
    })
    const result = await runVerify(engine({ objects: bucket }), { repair: true })
    expect(result.repaired).toBeNull()
    expect(result.drift).toEqual([])
    expect(result.unsettled).toHaveLength(1)
    const headBefore = await repos.origin.revParse('main')
    commitPoint.release()
    await inFlight
    await runSync(engine())
    const log = await history(repos.origin)
    expect(log.filter((commit) => commit.message.startsWith('reconcile'))).toEqual([])
    expect(log.at(-1)?.message).toMatch(/^create Customer/)
    expect(log.at(-2)?.sha).toBe(headBefore)
  })

  it('checks the books: unreadable records and broken accounting rules, each with its file', async ({ r2, repos, engine }) => {
    await agreeingState(r2.store, engine, 3)
    const at = '2026-06-25T12:00:00.000Z'
    const tenant = 'acme'
    const record = (entity: string, fields: Record<string, unknown>) => {
      const id = newId()
      const text = serializeRecord({ entity, id, fields: { tenant_id: tenant, created_at: at, updated_at: at, ...fields } as never, unknown: {} }, ERP_SCHEMA)
      return [recordKey(ERP_SCHEMA, tenant, entity, id), text, id] as const
    }
    const [entryKey, entryText, entryId] = record('JournalEntry', { date: '2026-06-25', memo: 'rent' })
    const [cashKey, cashText] = record('Account', { code: '1000', name: 'Cash', type: 'asset', active: true })
    const [rentKey, rentText] = record('Account', { code: '6000', name: 'Rent', type: 'expense', active: true })
    const [debitKey, debitText] = record('JournalLine', { journal_entry_id: entryId, position: 1, date: '2026-06-25', account_code: '6000', debit: 10000n, credit: 0n })
    const [creditKey, creditText] = record('JournalLine', { journal_entry_id: entryId, position: 2, date: '2026-06-25', account_code: '1000', debit: 0n, credit: 9000n })
    const broken = recordKey(ERP_SCHEMA, tenant, 'Customer', newId())
    await writeRecords(
      r2.store,
      new Map([
        [entryKey, entryText],
        [cashKey, cashText],
        [rentKey, rentText],
        [debitKey, debitText],
        [creditKey, creditText],
        [broken, 'RECORD Customer nonsense {\n'],
      ]),
    )
    const result = await runVerify(engine())
    expect(result.integrity).toEqual(
      expect.arrayContaining([
        { rule: 'parse', path: broken, message: expect.stringContaining(`${broken}:1:`) },
        { rule: 'unbalanced_entry', path: entryKey, message: expect.stringContaining('debits 100.00 do not equal credits 90.00') },
      ]),
    )
    expect(result.integrity).toHaveLength(2)
  })

  it('works in a shallow checkout without deepening it', async ({ r2, repos, engine }) => {
    await agreeingState(r2.store, engine, 8)
    const shallow = await repos.clone('shallow', { depth: 1 })
    const result = await runVerify(engine({ git: shallow }))
    expect(result).toMatchObject({ drift: [], bucketFiles: result.gitFiles })
    expect(await shallow.run(['rev-list', '--count', 'refs/remotes/origin/main'])).toBe('1\n')
  })

  it('dry-run neither recovers nor repairs', async ({ r2, repos, engine }) => {
    await agreeingState(r2.store, engine, 4)
    const extra = recordKey(ERP_SCHEMA, 'acme', 'Customer', newId())
    await r2.store.put(extra, customerText('acme', extra.slice(-40, -4), 'Extra', '2026-06-25T10:00:00.000Z'))
    const head = await repos.origin.revParse('main')
    const result = await runVerify(engine(), { repair: true, dryRun: true })
    expect(result).toMatchObject({ recovery: null, repaired: null, drift: [{ path: extra, kind: 'missing-in-git' }] })
    expect(await repos.origin.revParse('main')).toBe(head)
  })
})

describe('verify: index entries', () => {
  it('finds a missing, a stale and an orphaned index entry; repair rebuilds them, marks the indexes complete, and leaves an in-flight transaction alone', async ({ r2, engine }) => {
    const author = { name: 'Ada', email: 'ada@acme.example' }
    const store = new GitStore({ objects: r2.store, schema: ERP_SCHEMA, tenant: 'acme', author })
    const ada = (await store.create('Customer', { name: 'Ada', email: 'ada@example.com' })).stored
    const grace = (await store.create('Customer', { name: 'Grace', email: 'grace@example.com' })).stored
    const linus = (await store.create('Customer', { name: 'Linus', email: 'linus@example.com' })).stored
    await runSync(engine())
    const entryOf = (stored: { record: { id: string } }, email: string) => indexKey(ERP_SCHEMA, 'acme', 'Customer', 'email', email, stored.record.id)
    expect((await runVerify(engine())).indexes).toMatchObject({ entries: 3, problems: [] })

    // Missing: an entry lost; stale: an entry holding an older text; orphaned: a value its record no longer holds.
    await r2.store.delete(entryOf(ada, 'ada@example.com'))
    const graceEntry = (await r2.store.get(entryOf(grace, 'grace@example.com')))!
    await r2.store.put(entryOf(grace, 'grace@example.com'), graceEntry.text.replace('Grace', 'Grace (old)'), { metadata: graceEntry.metadata })
    const linusEntry = (await r2.store.get(entryOf(linus, 'linus@example.com')))!
    await r2.store.put(entryOf(linus, 'linus@old.example'), linusEntry.text, { metadata: linusEntry.metadata })

    // A transaction in flight, held before its commit point: its entry is not judged, and never touched.
    const gated = new GatedObjectStore(r2.store)
    const commitPoint = gated.gate((call) => call.op === 'put' && call.key.startsWith('commits/'))
    const inFlight = new GitStore({ objects: gated, schema: ERP_SCHEMA, tenant: 'acme', author }).create('Customer', { name: 'In flight', email: 'new@example.com' })
    await commitPoint.reached
    const inFlightEntries = (await keysUnder(r2.store, 'index/')).filter((key) => key.includes(Buffer.from('new@example.com').toString('hex')))
    expect(inFlightEntries).toHaveLength(1)
    const heldEntry = await r2.store.get(inFlightEntries[0]!)

    const report = await runVerify(engine())
    expect(report.indexes.problems).toEqual(
      [
        { kind: 'missing', key: entryOf(ada, 'ada@example.com'), record: ada.key },
        { kind: 'stale', key: entryOf(grace, 'grace@example.com'), record: grace.key },
        { kind: 'orphaned', key: entryOf(linus, 'linus@old.example'), record: linus.key },
      ].sort((a, b) => (a.key < b.key ? -1 : 1)),
    )
    expect(report.indexes.unsettled).toBe(1)
    expect(report.indexes.marked).toEqual([])
    expect(await r2.store.get(indexCompleteKey(ERP_SCHEMA, 'Customer', 'email'))).toBeNull()

    const repaired = await runVerify(engine(), { repair: true })
    expect(repaired.indexes).toMatchObject({ repaired: 3, unsettled: 1 })
    // A Customer write is in flight (it could yet be undone): Customer's index waits for the next run.
    expect(repaired.indexes.marked).not.toContain('Customer.email')
    expect(repaired.indexes.marked).toContain('Invoice.customer_id')
    expect(await r2.store.get(indexCompleteKey(ERP_SCHEMA, 'Customer', 'email'))).toBeNull()
    expect(await r2.store.get(inFlightEntries[0]!)).toEqual(heldEntry)
    for (const stored of [ada, grace]) {
      const [entry, record] = await Promise.all([r2.store.get(entryOf(stored, stored.record.fields.email as string)), r2.store.get(stored.key)])
      expect({ text: entry?.text, version: entry?.version }).toEqual({ text: record?.text, version: record?.version })
    }
    expect(await r2.store.get(entryOf(linus, 'linus@old.example'))).toBeNull()

    commitPoint.release()
    await inFlight
    expect((await runVerify(engine())).indexes).toMatchObject({ entries: 4, problems: [], unsettled: 0 })
    expect((await runVerify(engine(), { repair: true })).indexes.marked).toContain('Customer.email')
    expect(await r2.store.get(indexCompleteKey(ERP_SCHEMA, 'Customer', 'email'))).not.toBeNull()
  })
})
