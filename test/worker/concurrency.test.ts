import { reset } from 'cloudflare:test'
import { afterEach, describe, expect, it } from 'vitest'
import { parseRecord } from '../../shared/agi/index.ts'
import { ERP_SCHEMA } from '../../shared/schema/index.ts'
import { callTool, ok, pendingEntries, settle, textAt } from './support/api.ts'

afterEach(async () => {
  await settle()
  await reset()
})

describe('optimistic concurrency through HTTP', () => {
  it('8 parallel edits of different fields: every 200 is in the final record, the rest are 409', async () => {
    const created = (await ok('create_customer', { name: 'Ada' })).customer
    const patches = [
      { name: 'Ada Lovelace' },
      { email: 'ada@example.com' },
      { phone: '+44 20 7946 0000' },
      { address: '12 St James Square' },
      { tax_id: 'GB123456789' },
      { notes: 'Prefers email' },
      // A customer has six editable fields; the last two calls repeat a change (same value), so every 200 still
      // has exactly one meaning in the final record.
      { email: 'ada@example.com' },
      { phone: '+44 20 7946 0000' },
    ]
    const responses = await Promise.all(patches.map((patch) => callTool('edit_customer', { id: created.id, patch })))
    const statuses = responses.map((response) => response.status)
    expect(statuses.every((status) => status === 200 || status === 409), String(statuses)).toBe(true)
    expect(statuses).toContain(200)
    const bodies = (await Promise.all(responses.map((response) => response.json()))) as any[]
    await settle()

    const final = parseRecord((await textAt(`data/acme/Customer/${created.id}.agi`))!, ERP_SCHEMA).record.fields
    patches.forEach((patch, index) => {
      if (statuses[index] === 200) expect(final).toMatchObject(patch)
      else expect(bodies[index].error).toEqual({ code: 'conflict', message: `Customer ${created.id.slice(0, 8)} was modified concurrently — retry your edit.` })
    })
    // Every acknowledged change is one entry; nothing else was committed.
    const commits = bodies.filter((body, index) => statuses[index] === 200 && body.commit !== null).map((body) => body.commit.oid)
    const entries = await pendingEntries()
    const creation = entries.find((entry) => entry.message === `create Customer ${created.id}`)!
    expect(entries.map((entry) => entry.oid).sort()).toEqual([creation.oid, ...commits].sort())
  })
})
