import { env } from 'cloudflare:workers'
import { createExecutionContext, createScheduledController, reset, waitOnExecutionContext } from 'cloudflare:test'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { GitStore } from '../../shared/git-store/index.ts'
import { FaultyObjectStore } from '../../shared/object-store/faulty-store.ts'
import type { ObjectStore } from '../../shared/object-store/object-store.ts'
import { ERP_SCHEMA } from '../../shared/schema/index.ts'
import worker from '../../worker/index.ts'
import { bucket, get, keysUnder, ok, settle, textAt } from './support/api.ts'

afterEach(async () => {
  await settle()
  await reset()
})

/** Long enough ago that the recovery pass counts the writer as gone, recent enough that readers still check it. */
const FIVE_MINUTES_AGO = () => new Date(Date.now() - 5 * 60_000)

function crashingStore(objects: ObjectStore) {
  return new GitStore({ objects, schema: ERP_SCHEMA, tenant: 'acme', author: { name: 'Crash Test', email: 'crash@acme.example' }, now: FIVE_MINUTES_AGO })
}

/** Edits one customer, creates two more and deletes a third: one transaction, four records, one entry. */
async function batch(store: GitStore, ids: { edited: string; deleted: string }) {
  return store.transaction('reorganise customers', async (tx) => {
    await tx.edit('Customer', ids.edited, { notes: 'reorganised' })
    tx.create('Customer', { name: 'New A' })
    tx.create('Customer', { name: 'New B' })
    await tx.delete('Customer', ids.deleted)
  })
}

async function runScheduled() {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {})
  const ctx = createExecutionContext()
  await worker.scheduled(createScheduledController({ cron: '* * * * *' }), env, ctx)
  await waitOnExecutionContext(ctx)
  const line = log.mock.calls.map((call) => String(call[0])).find((text) => text.includes('"event":"recovery"'))
  log.mockRestore()
  return JSON.parse(line ?? '{}')
}

async function activityOids(): Promise<string[]> {
  const page = (await (await get('/activity?limit=100')).json()) as any
  return page.entries.map((entry: any) => entry.oid)
}

describe('the scheduled recovery pass', () => {
  it('finishes or undoes a transaction interrupted after every storage step; activity never shows half of one', async () => {
    const probe = new FaultyObjectStore(bucket())
    const seedIds = async () => ({
      edited: (await ok('create_customer', { name: 'Edited' })).customer.id as string,
      deleted: (await ok('create_customer', { name: 'Deleted' })).customer.id as string,
    })
    await batch(crashingStore(probe), await seedIds())
    const steps = probe.mutations
    expect(steps).toBeGreaterThanOrEqual(6)
    await settle()
    await reset()

    for (let n = 0; n < steps; n++) {
      const ids = await seedIds()
      await settle()
      const before = { edited: await textAt(`data/acme/Customer/${ids.edited}.agi`), deleted: await textAt(`data/acme/Customer/${ids.deleted}.agi`) }
      const entriesBefore = await keysUnder('commits/acme/')
      const faulty = new FaultyObjectStore(bucket())
      faulty.crashAfter(n)
      await batch(crashingStore(faulty), ids).catch(() => undefined)
      expect(faulty.crashed, `step ${n}`).toBe(true)

      const newEntries = (await keysUnder('commits/acme/')).filter((key) => !entriesBefore.includes(key))
      const committed = newEntries.length === 1
      // Before recovery: the feed shows the transaction only if it committed, and then with all four records.
      const feed = await activityOids()
      const page = (await (await get('/activity?limit=100')).json()) as any
      const shown = page.entries.filter((entry: any) => entry.message === 'reorganise customers')
      expect(shown.length, `step ${n}`).toBe(committed ? 1 : 0)
      if (committed) expect(shown[0].paths).toHaveLength(4)
      expect(feed.length).toBe(page.entries.length)

      const report = await runScheduled()
      expect(report.examined, `step ${n}`).toBeGreaterThanOrEqual(report.rolledForward.length + report.rolledBack.length)
      expect(await keysUnder('intents/'), `step ${n}`).toEqual([])
      const edited = await textAt(`data/acme/Customer/${ids.edited}.agi`)
      const deleted = await textAt(`data/acme/Customer/${ids.deleted}.agi`)
      const created = (await ok('list_customers', { limit: 200 })).customers.filter((customer: any) => customer.name === 'New A' || customer.name === 'New B').length
      if (committed) {
        expect(edited, `step ${n}`).toContain('reorganised')
        expect(deleted, `step ${n}`).toBeNull()
        expect(created, `step ${n}`).toBe(2)
      } else {
        expect(edited, `step ${n}`).toBe(before.edited)
        expect(deleted, `step ${n}`).toBe(before.deleted)
        expect(created, `step ${n}`).toBe(0)
        expect(report.rolledBack.length + report.rolledForward.length, `step ${n}`).toBe(n === 0 ? 0 : 1)
      }
      await settle()
      await reset()
    }
  })

  it('leaves a transaction that is still in flight alone, and logs its report', async () => {
    const { customer } = await ok('create_customer', { name: 'Ada' })
    const faulty = new FaultyObjectStore(bucket())
    faulty.crashAfter(2)
    const fresh = new GitStore({ objects: faulty, schema: ERP_SCHEMA, tenant: 'acme', author: { name: 'Crash Test', email: 'crash@acme.example' } })
    await fresh.edit('Customer', customer.id, { notes: 'in flight' }).catch(() => undefined)
    const report = await runScheduled()
    expect(report).toMatchObject({ event: 'recovery', cron: '* * * * *', examined: 1, inFlight: [expect.any(String)], rolledBack: [], rolledForward: [] })
    expect(await keysUnder('intents/')).toHaveLength(1)
  })
})
