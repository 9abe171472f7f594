import { describe, expect, it } from 'vitest'
import { parseRecord } from '../../shared/agi/index.ts'
import { gitBlobSha } from '../../shared/blob-sha.ts'
import { parseCommitEntry } from '../../shared/commit-entry.ts'
import { ConflictError, CorruptObjectError, DomainRuleError, NotFoundError, OperationNotAllowedError, ValidationError } from '../../shared/errors.ts'
import { GitStore, writeIndexMarker } from '../../shared/git-store/index.ts'
import { recordKey } from '../../shared/keys.ts'
import type { ObjectStore } from '../../shared/object-store/object-store.ts'
import { HookedObjectStore } from '../support/hooked-store.ts'
import { TEST_SCHEMA } from '../support/test-schema.ts'

const author = { name: 'Invoice Bot', email: 'bot@acme.example' }

export async function pendingEntries(objects: ObjectStore, tenant = 'acme') {
  const page = await objects.list({ prefix: `commits/${tenant}/` })
  return Promise.all(
    page.objects.map(async (listed) => {
      const stored = await objects.get(listed.key)
      const parsed = await parseCommitEntry(stored?.text ?? '')
      if (!parsed.ok) throw new Error(`bad entry ${listed.key}: ${parsed.reason}`)
      return parsed.entry
    }),
  )
}

export async function keysUnder(objects: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = []
  let cursor: string | undefined
  do {
    const page = await objects.list({ prefix, cursor })
    keys.push(...page.objects.map((listed) => listed.key))
    cursor = page.cursor
  } while (cursor !== undefined)
  return keys
}

/**
 * The GitStore contract, run against every ObjectStore implementation (in-memory in Node, R2 inside workerd).
 * `makeObjects` must return an empty store.
 */
export function describeGitStoreContract(name: string, makeObjects: () => ObjectStore | Promise<ObjectStore>): void {
  describe(`GitStore contract: ${name}`, () => {
    async function setup() {
      const objects = new HookedObjectStore(await makeObjects())
      const store = new GitStore({ objects, schema: TEST_SCHEMA, tenant: 'acme', author, actor: 'agent-7', sleep: async () => {} })
      const rival = new GitStore({ objects, schema: TEST_SCHEMA, tenant: 'acme', author: { name: 'Rival', email: 'rival@acme.example' }, sleep: async () => {} })
      return { objects, store, rival }
    }

    it('creates a record and one pending entry whose file hashes to its content', async () => {
      const { objects, store } = await setup()
      const { stored, commit } = await store.create('Customer', { name: 'Ada Lovelace', email: 'ada@example.com' })
      expect(commit.message).toBe(`create Customer ${stored.record.id}`)
      const key = recordKey(TEST_SCHEMA, 'acme', 'Customer', stored.record.id)
      const object = await objects.get(key)
      expect(object?.version).toBe(stored.version)
      const entries = await pendingEntries(objects)
      expect(entries).toHaveLength(1)
      const entry = entries[0]!
      expect(entry).toMatchObject({ v: 1, oid: commit.oid, tenant: 'acme', message: commit.message, author, actor: 'agent-7', paths: [key] })
      const file = entry.files[0]!
      expect(file.op).toBe('put')
      if (file.op !== 'put') return
      expect(file.content).toBe(object?.text)
      expect(file.sha).toBe(await gitBlobSha(object!.text))
      expect(parseRecord(file.content, TEST_SCHEMA).record.fields).toMatchObject({ tenant_id: 'acme', name: 'Ada Lovelace' })
      expect(await keysUnder(objects, 'intents/')).toEqual([])
    })

    it('refuses invalid input before writing anything', async () => {
      const { objects, store } = await setup()
      await expect(store.create('Customer', { email: 'no-name@example.com' })).rejects.toBeInstanceOf(ValidationError)
      await expect(store.create('Customer', { name: 'X', shoe_size: 44 })).rejects.toBeInstanceOf(ValidationError)
      await expect(store.create('Invoice', { customer_id: '0193f6c1-0000-7000-8000-000000000001', total: 100n, status: 'lost' })).rejects.toBeInstanceOf(ValidationError)
      await expect(store.create('Customer', { name: 'X', tenant_id: 'globex' })).rejects.toBeInstanceOf(ValidationError)
      expect(await keysUnder(objects, '')).toEqual([])
    })

    it('enforces the CRUD clause', async () => {
      const { objects, store } = await setup()
      await expect(store.create('Line', { invoice_id: '0193f6c1-0000-7000-8000-000000000001', amount: 5n })).rejects.toBeInstanceOf(OperationNotAllowedError)
      const customer = await store.create('Customer', { name: 'Acme' })
      const invoice = await store.create('Invoice', { customer_id: customer.stored.record.id, total: 100n })
      await expect(store.delete('Invoice', invoice.stored.record.id)).rejects.toBeInstanceOf(OperationNotAllowedError)
      expect((await keysUnder(objects, 'commits/')).length).toBe(2)
    })

    it('create is create-only: an existing id is a conflict, never an overwrite', async () => {
      const { objects, store } = await setup()
      const id = '0193f6c1-0000-7000-8000-00000000abcd'
      await store.transaction('first', async (tx) => tx.create('Customer', { name: 'First' }, { id }))
      await expect(store.transaction('second', async (tx) => tx.create('Customer', { name: 'Second' }, { id }))).rejects.toBeInstanceOf(ConflictError)
      expect((await store.read('Customer', id))?.record.fields.name).toBe('First')
      expect(await pendingEntries(objects)).toHaveLength(1)
    })

    it('an edit with a stale version is a conflict at once and writes nothing', async () => {
      const { objects, store } = await setup()
      const { stored } = await store.create('Customer', { name: 'Ada' })
      const edited = await store.edit('Customer', stored.record.id, { email: 'a@example.com' })
      expect(edited.commit?.message).toBe(`edit Customer ${stored.record.id.slice(0, 8)}: email → a@example.com`)
      await expect(store.edit('Customer', stored.record.id, { phone: '1' }, { expectedVersion: stored.version })).rejects.toBeInstanceOf(ConflictError)
      expect(await pendingEntries(objects)).toHaveLength(2)
      expect((await store.read('Customer', stored.record.id))?.record.fields.phone).toBeUndefined()
    })

    it('an edit that loses its first race is re-applied on the fresh state, keeping the other writer’s change', async () => {
      const { objects, store, rival } = await setup()
      const { stored } = await store.create('Customer', { name: 'Ada' })
      const key = stored.key
      objects.beforePut(
        (putKey, options) => putKey === key && options?.condition !== undefined && 'ifVersion' in options.condition,
        async () => {
          await rival.edit('Customer', stored.record.id, { phone: '+44 20 7946 0000' })
        },
      )
      const edited = await store.edit('Customer', stored.record.id, { email: 'ada@example.com' })
      expect(edited.stored.record.fields).toMatchObject({ phone: '+44 20 7946 0000', email: 'ada@example.com', name: 'Ada' })
      const final = await store.read('Customer', stored.record.id)
      expect(final?.record.fields).toMatchObject({ phone: '+44 20 7946 0000', email: 'ada@example.com' })
      const messages = (await pendingEntries(objects)).map((entry) => entry.message).sort()
      expect(messages).toHaveLength(3)
      expect(await keysUnder(objects, 'intents/')).toEqual([])
    })

    it('two lost races raise ConflictError and leave no trace of the loser', async () => {
      const { objects, store, rival } = await setup()
      const { stored } = await store.create('Customer', { name: 'Ada' })
      let n = 0
      objects.beforePut(
        (putKey, options) => putKey === stored.key && options?.condition !== undefined && 'ifVersion' in options.condition,
        async () => {
          n += 1
          await rival.edit('Customer', stored.record.id, { notes: `rival ${n}` })
        },
        2,
      )
      await expect(store.edit('Customer', stored.record.id, { email: 'lost@example.com' })).rejects.toThrow(
        `Customer ${stored.record.id.slice(0, 8)} was modified concurrently — retry your edit.`,
      )
      const final = await store.read('Customer', stored.record.id)
      expect(final?.record.fields.notes).toBe('rival 2')
      expect(final?.record.fields.email).toBeUndefined()
      expect((await pendingEntries(objects)).map((entry) => entry.author.name).sort()).toEqual(['Invoice Bot', 'Rival', 'Rival'])
      expect(await keysUnder(objects, 'intents/')).toEqual([])
    })

    it('a transaction writing 4 records yields exactly one entry with 4 files', async () => {
      const { objects, store } = await setup()
      const customer = await store.create('Customer', { name: 'Acme' })
      const result = await store.transaction(
        'create Invoice with 3 lines',
        async (tx) => {
          const invoice = tx.create('Invoice', { customer_id: customer.stored.record.id, total: 3000n })
          for (const amount of [1000n, 1500n, 500n]) tx.create('Line', { invoice_id: invoice.id, amount })
          return invoice
        },
        { enforceCrud: false },
      )
      expect(result.records).toHaveLength(4)
      const entries = (await pendingEntries(objects)).filter((entry) => entry.oid === result.commit?.oid)
      expect(entries).toHaveLength(1)
      const entry = entries[0]!
      expect(entry.message).toBe('create Invoice with 3 lines')
      expect(entry.files).toHaveLength(4)
      for (const file of entry.files) {
        if (file.op !== 'put') throw new Error('expected puts')
        expect(file.sha).toBe(await gitBlobSha(file.content))
        expect((await objects.get(file.path))?.text).toBe(file.content)
      }
    })

    it('a transaction whose function throws leaves no record and no entry', async () => {
      const { objects, store } = await setup()
      await expect(
        store.transaction('doomed', async (tx) => {
          tx.create('Customer', { name: 'Ghost' })
          throw new Error('changed my mind')
        }),
      ).rejects.toThrow('changed my mind')
      expect(await keysUnder(objects, '')).toEqual([])
    })

    it('a failed write inside a transaction rolls back the writes that landed', async () => {
      const { objects, store, rival } = await setup()
      const a = await store.create('Customer', { name: 'A' })
      const b = await store.create('Customer', { name: 'B' })
      let rivalEdits = 0
      objects.beforePut(
        (putKey, options) => putKey === b.stored.key && options?.condition !== undefined && 'ifVersion' in options.condition,
        async () => {
          rivalEdits += 1
          await rival.edit('Customer', b.stored.record.id, { notes: `rival ${rivalEdits}` })
        },
        2,
      )
      await expect(
        store.transaction('touch both', async (tx) => {
          await tx.edit('Customer', a.stored.record.id, { notes: 'mine' })
          await tx.edit('Customer', b.stored.record.id, { notes: 'mine' })
          tx.create('Customer', { name: 'C' })
        }),
      ).rejects.toBeInstanceOf(ConflictError)
      expect((await store.read('Customer', a.stored.record.id))?.record.fields.notes).toBeUndefined()
      const customers = (await store.list('Customer')).records.map((stored) => stored.record.fields.name)
      expect(customers.sort()).toEqual(['A', 'B'])
      expect(await keysUnder(objects, 'intents/')).toEqual([])
    })

    it('deletes only where allowed, with the seed message, and a deleted record reads as missing', async () => {
      const { objects, store } = await setup()
      const { stored } = await store.create('Customer', { name: 'Gone' })
      const { commit } = await store.delete('Customer', stored.record.id)
      expect(commit.message).toBe(`delete Customer ${stored.record.id}`)
      expect(await store.read('Customer', stored.record.id)).toBeNull()
      expect(await objects.get(stored.key)).toBeNull()
      const entry = (await pendingEntries(objects)).find((candidate) => candidate.oid === commit.oid)
      expect(entry?.files).toEqual([{ path: stored.key, op: 'delete' }])
      await expect(store.delete('Customer', stored.record.id)).rejects.toBeInstanceOf(NotFoundError)
    })

    it('refuses to delete a record another one references (422 referenced), and writes nothing', async () => {
      const { objects, store } = await setup()
      const { stored: customer } = await store.create('Customer', { name: 'Billed' })
      await store.transaction('invoice', async (tx) => tx.create('Invoice', { customer_id: customer.record.id, total: 100n }), { enforceCrud: false })
      const entries = await pendingEntries(objects)
      const refused = await store.delete('Customer', customer.record.id).catch((error: unknown) => error)
      expect(refused).toBeInstanceOf(DomainRuleError)
      expect((refused as DomainRuleError).code).toBe('referenced')
      expect(await store.read('Customer', customer.record.id)).not.toBeNull()
      expect(await pendingEntries(objects)).toHaveLength(entries.length)
    })

    it('a no-op edit with the current version commits nothing; with a stale one it is a conflict', async () => {
      const { objects, store } = await setup()
      const { stored } = await store.create('Customer', { name: 'Same' })
      const same = await store.edit('Customer', stored.record.id, { name: 'Same' }, { expectedVersion: stored.version })
      expect(same.commit).toBeNull()
      expect(same.stored.version).toBe(stored.version)
      expect(await pendingEntries(objects)).toHaveLength(1)
      await store.edit('Customer', stored.record.id, { notes: 'changed' })
      await expect(store.edit('Customer', stored.record.id, { name: 'Same' }, { expectedVersion: stored.version })).rejects.toBeInstanceOf(ConflictError)
    })

    it('a record still in an open transaction is invisible to readers and blocks writers', async () => {
      const { objects, store, rival } = await setup()
      const { stored } = await store.create('Customer', { name: 'Before' })
      let seenByReader: unknown = 'not run'
      let rivalError: unknown
      objects.beforePut(
        (putKey) => putKey.startsWith('commits/'),
        async () => {
          seenByReader = (await rival.read('Customer', stored.record.id))?.record.fields.name
          rivalError = await rival.edit('Customer', stored.record.id, { notes: 'sneaky' }).catch((error: unknown) => error)
        },
      )
      await store.edit('Customer', stored.record.id, { name: 'After' })
      expect(seenByReader).toBe('Before')
      expect(rivalError).toBeInstanceOf(ConflictError)
      expect((await store.read('Customer', stored.record.id))?.record.fields).toMatchObject({ name: 'After' })
      expect((await store.read('Customer', stored.record.id))?.record.fields.notes).toBeUndefined()
    })

    it('a reference to a record whose creating transaction is still open is not trusted', async () => {
      const { objects, store, rival } = await setup()
      const id = '0193f6c1-0000-7000-8000-00000000c0de'
      let outcome: unknown = 'not run'
      objects.beforePut(
        (putKey) => putKey.startsWith('commits/'),
        async () => {
          // The customer's record is written, its entry not yet: an invoice must not be built on it.
          outcome = await store
            .transaction('create Invoice', async (tx) => {
              await tx.require('Customer', id)
              tx.create('Invoice', { customer_id: id, total: 100n })
            })
            .catch((error: unknown) => error)
        },
      )
      await rival.transaction('create Customer', async (tx) => tx.create('Customer', { name: 'Phantom?' }, { id }))
      expect(outcome).toBeInstanceOf(NotFoundError)
      expect(await keysUnder(objects, 'data/acme/Invoice/')).toEqual([])
      // Once committed, the same reference holds.
      const ok = await store.transaction('create Invoice', async (tx) => {
        await tx.require('Customer', id)
        return tx.create('Invoice', { customer_id: id, total: 100n })
      })
      expect(ok.records).toHaveLength(1)
    })

    it('references must name existing records, committed or staged in the same transaction', async () => {
      const { objects, store } = await setup()
      const missing = '0193f6c1-0000-7000-8000-0000000000aa'
      const refused = await store.create('Invoice', { customer_id: missing, total: 100n }).catch((error: unknown) => error)
      expect(refused).toBeInstanceOf(DomainRuleError)
      expect((refused as DomainRuleError).code).toBe('unknown_reference')
      const customer = await store.create('Customer', { name: 'Acme' })
      const invoice = await store.create('Invoice', { customer_id: customer.stored.record.id, total: 100n })
      await expect(store.edit('Invoice', invoice.stored.record.id, { customer_id: missing })).rejects.toBeInstanceOf(DomainRuleError)
      // An edit that leaves the reference alone does not look it up again.
      await store.edit('Invoice', invoice.stored.record.id, { status: 'sent' })
      const staged = await store.transaction(
        'customer and invoice together',
        async (tx) => {
          const fresh = tx.create('Customer', { name: 'Fresh' })
          tx.create('Invoice', { customer_id: fresh.id, total: 5n })
        },
      )
      expect(staged.records).toHaveLength(2)
      expect((await pendingEntries(objects)).map((entry) => entry.message).filter((message) => message.startsWith('create Invoice'))).toHaveLength(1)
    })

    it('lists with field equality and a cursor, without a GET per record', async () => {
      const { store } = await setup()
      for (const [index, name] of ['a', 'b', 'c', 'd', 'e'].entries()) {
        await store.create('Customer', { name, notes: index % 2 === 0 ? 'even' : 'odd' })
      }
      const first = await store.list('Customer', { limit: 2 })
      expect(first.records.map((stored) => stored.record.fields.name)).toEqual(['a', 'b'])
      const second = await store.list('Customer', { limit: 2, cursor: first.cursor })
      expect(second.records.map((stored) => stored.record.fields.name)).toEqual(['c', 'd'])
      const third = await store.list('Customer', { limit: 2, cursor: second.cursor })
      expect(third.records.map((stored) => stored.record.fields.name)).toEqual(['e'])
      expect(third.cursor).toBeUndefined()
      await expect(store.list('Customer', { where: { notes: 'even' } })).rejects.toThrow(/notes is not indexed; Customer lists filter on email/)
    })

    it('index entries move with their record: created, kept in step, moved and removed in its transactions', async () => {
      const { objects, store } = await setup()
      const entries = async () => {
        const found: Record<string, string> = {}
        for (const key of await keysUnder(objects, 'index/')) {
          const object = (await objects.get(key))!
          found[key.split('/').slice(3, 5).map((part, index) => (index === 1 ? Buffer.from(part.slice(1), 'hex').toString() : part)).join('=')] = object.text
          const record = (await objects.get(recordKey(TEST_SCHEMA, 'acme', key.split('/')[2]!, key.split('/')[5]!)))!
          expect(object.version, key).toBe(record.version)
          expect(object.metadata, key).toEqual(record.metadata)
        }
        return found
      }
      const { stored } = await store.create('Customer', { name: 'Ada', email: 'ada@example.com' })
      const key = recordKey(TEST_SCHEMA, 'acme', 'Customer', stored.record.id)
      expect(await entries()).toEqual({ 'email=ada@example.com': (await objects.get(key))!.text })
      await store.edit('Customer', stored.record.id, { notes: 'kept in step' })
      expect(await entries()).toEqual({ 'email=ada@example.com': (await objects.get(key))!.text })
      await store.edit('Customer', stored.record.id, { email: 'ada@lovelace.example' })
      expect(await entries()).toEqual({ 'email=ada@lovelace.example': (await objects.get(key))!.text })
      const invoice = await store.transaction('create Invoice', async (tx) => tx.create('Invoice', { customer_id: stored.record.id, total: 100n, issued: '2026-03-01' }))
      expect(Object.keys(await entries()).sort()).toEqual(['customer_id=' + stored.record.id, 'email=ada@lovelace.example', 'issued=2026-03-01'])
      await store.transaction('move', async (tx) => tx.edit('Invoice', invoice.value.id, { issued: '2026-03-02' }, {}))
      expect(Object.keys(await entries()).sort()).toEqual(['customer_id=' + stored.record.id, 'email=ada@lovelace.example', 'issued=2026-03-02'])
      await store.transaction('unset', async (tx) => tx.edit('Invoice', invoice.value.id, {}, { unset: ['issued'] }))
      expect(Object.keys(await entries()).sort()).toEqual(['customer_id=' + stored.record.id, 'email=ada@lovelace.example'])
      await expect(store.delete('Customer', stored.record.id)).rejects.toMatchObject({ code: 'referenced' })
      await store.transaction('delete both', async (tx) => {
        await tx.delete('Invoice', invoice.value.id)
        await tx.delete('Customer', stored.record.id)
      }, { enforceCrud: false })
      expect(await entries()).toEqual({})
      // None of it is in the commit entries: an index is derived, never in git.
      for (const entry of await pendingEntries(objects)) expect(entry.paths.every((path) => path.startsWith('data/'))).toBe(true)
    })

    it('a filtered list reads the index once it is complete, and the records until then', async () => {
      const { objects, store } = await setup()
      const ids: string[] = []
      for (const email of ['a@x', 'b@x', 'a@x', 'c@x', 'a@x']) ids.push((await store.create('Customer', { name: email, email })).stored.record.id)
      // A record from before the index existed: its entry is missing.
      const old = ids[2]!
      for (const key of await keysUnder(objects, 'index/')) if (key.endsWith(old)) await objects.delete(key)
      const names = (page: { records: { record: { id: string } }[] }) => page.records.map((stored) => ids.indexOf(stored.record.id))
      // No marker: the records are read, and the old one is found.
      expect(names(await store.list('Customer', { where: { email: 'a@x' } }))).toEqual([0, 2, 4])
      const scanned = await store.list('Customer', { where: { email: 'a@x' }, limit: 2 })
      expect(scanned.cursor?.startsWith('data/')).toBe(true)
      expect(names(await store.list('Customer', { where: { email: 'a@x' }, limit: 2, cursor: scanned.cursor }))).toEqual([4])
      // Rebuilt, then marked complete: the index answers, page after page.
      await store.edit('Customer', old, { notes: 'an edit repairs its entries' })
      await writeIndexMarker(objects, TEST_SCHEMA, 'Customer', 'email', new Date())
      const fresh = new GitStore({ objects, schema: TEST_SCHEMA, tenant: 'acme', author })
      const first = await fresh.list('Customer', { where: { email: 'a@x' }, limit: 2 })
      expect(names(first)).toEqual([0, 2])
      expect(first.cursor?.startsWith('index/acme/Customer/email/')).toBe(true)
      const second = await fresh.list('Customer', { where: { email: 'a@x' }, limit: 2, cursor: first.cursor })
      expect(names(second)).toEqual([4])
      expect(second.cursor).toBeUndefined()
      expect(second.records[0]!.key).toBe(recordKey(TEST_SCHEMA, 'acme', 'Customer', ids[4]!))
      expect(second.records[0]!.version).toBe((await fresh.read('Customer', ids[4]!))!.version)
      await expect(fresh.list('Customer', { where: { email: 'b@x' }, cursor: first.cursor })).rejects.toBeInstanceOf(ValidationError)
      // A record from before the index, edited and deleted at the version its caller read: the entries are not in
      // step, so each write runs again reading them, and neither is refused for it.
      const older = (await store.create('Customer', { name: 'older', email: 'o@x' })).stored
      for (const key of await keysUnder(objects, 'index/')) if (key.endsWith(older.record.id)) await objects.delete(key)
      const edited = await store.edit('Customer', older.record.id, { notes: 'x' }, { expectedVersion: older.version })
      expect(names(await fresh.list('Customer', { where: { email: 'b@x' } }))).toEqual([1])
      await store.delete('Customer', older.record.id, { expectedVersion: edited.stored.version })
      expect((await keysUnder(objects, 'index/')).filter((key) => key.endsWith(older.record.id))).toEqual([])
      const gone = (await store.create('Customer', { name: 'gone', email: 'g@x' })).stored
      for (const key of await keysUnder(objects, 'index/')) if (key.endsWith(gone.record.id)) await objects.delete(key)
      await store.delete('Customer', gone.record.id, { expectedVersion: gone.version })
      expect(await store.read('Customer', gone.record.id)).toBeNull()
      await expect(fresh.list('Customer', { where: { email: 'a@x' }, cursor: 'index/globex/Customer/email/x6140/' + ids[0] })).rejects.toBeInstanceOf(ValidationError)
    })

    it('date ranges are inclusive at both ends and listed by date', async () => {
      const { objects, store } = await setup()
      await writeIndexMarker(objects, TEST_SCHEMA, 'Invoice', 'issued', new Date())
      const customer = (await store.create('Customer', { name: 'Acme' })).stored.record.id
      const dates = ['2026-03-05', '2026-02-28', '2026-03-01', '2026-03-31', '2026-04-01', '2026-03-15']
      for (const issued of dates) await store.transaction('create Invoice', async (tx) => tx.create('Invoice', { customer_id: customer, total: 100n, issued }))
      const issued = (page: { records: { record: { fields: Record<string, unknown> } }[] }) => page.records.map((stored) => stored.record.fields.issued)
      const march = { issued: { from: '2026-03-01', to: '2026-03-31' } }
      expect(issued(await store.list('Invoice', { ranges: march }))).toEqual(['2026-03-01', '2026-03-05', '2026-03-15', '2026-03-31'])
      const first = await store.list('Invoice', { ranges: march, limit: 3 })
      expect(issued(first)).toEqual(['2026-03-01', '2026-03-05', '2026-03-15'])
      const rest = await store.list('Invoice', { ranges: march, limit: 3, cursor: first.cursor })
      expect(issued(rest)).toEqual(['2026-03-31'])
      expect(rest.cursor).toBeUndefined()
      expect(issued(await store.list('Invoice', { ranges: { issued: { from: '2026-03-31' } } }))).toEqual(['2026-03-31', '2026-04-01'])
      expect(issued(await store.list('Invoice', { ranges: { issued: { to: '2026-03-01' } } }))).toEqual(['2026-02-28', '2026-03-01'])
      expect(issued(await store.list('Invoice', { ranges: { issued: { from: '2026-03-02', to: '2026-03-04' } } }))).toEqual([])
      // Several fields: the exact value's index is walked, the range checked on its records.
      expect(issued(await store.list('Invoice', { where: { customer_id: customer }, ranges: march }))).toEqual(['2026-03-05', '2026-03-01', '2026-03-31', '2026-03-15'])
      await expect(store.list('Invoice', { ranges: { total: { from: '1' } } })).rejects.toThrow(/total is not indexed/)
    })

    it('a corrupt record is an error, never an empty record', async () => {
      const { objects, store } = await setup()
      const { stored } = await store.create('Customer', { name: 'Ada' })
      await objects.put(stored.key, `RECORD Customer ${stored.record.id} {\n<<<<<<< HEAD\n  name : "Ada"\n`)
      await expect(store.read('Customer', stored.record.id)).rejects.toBeInstanceOf(CorruptObjectError)
      await expect(store.edit('Customer', stored.record.id, { notes: 'x' })).rejects.toBeInstanceOf(CorruptObjectError)
    })
  })
}
