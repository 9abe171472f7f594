import { env } from 'cloudflare:workers'
import { reset } from 'cloudflare:test'
import { afterEach, describe, expect, it } from 'vitest'
import { recoverAbandonedTransactions, TX_ABANDONED_MS } from '../../shared/git-store/index.ts'
import { idempotencyRecordKey } from '../../shared/keys.ts'
import { CountingObjectStore } from '../../shared/object-store/counting-store.ts'
import { createApp } from '../../worker/app.ts'
import { R2ObjectStore } from '../../worker/r2-object-store.ts'
import { CLAIM_TTL_MS } from '../../worker/tools/idempotency.ts'
import { GatedObjectStore } from '../support/gated-store.ts'
import { callTool, keysUnder, ok, pendingEntries, settle, textAt } from './support/api.ts'

afterEach(async () => {
  await settle()
  await reset()
})

const withKey = (key: string) => ({ headers: { 'Idempotency-Key': key } })

describe('Idempotency-Key', () => {
  it('a repeated key replays the first answer and writes nothing more', async () => {
    const first = await callTool('create_customer', { name: 'Ada' }, withKey('retry-me'))
    const firstBody = await first.json()
    const second = await callTool('create_customer', { name: 'Ada' }, withKey('retry-me'))
    expect(second.status).toBe(first.status)
    expect(second.headers.get('Idempotent-Replay')).toBe('true')
    expect(first.headers.get('Idempotent-Replay')).toBeNull()
    expect(await second.json()).toEqual(firstBody)
    expect(await pendingEntries()).toHaveLength(1)
    expect(await keysUnder('data/acme/Customer/')).toHaveLength(1)
  })

  it('an omitted and an explicit own tenant_id are the same call', async () => {
    const first = await ok('create_customer', { name: 'Ada' }, withKey('k-tenant'))
    const second = await callTool('create_customer', { name: 'Ada', tenant_id: 'acme' }, withKey('k-tenant'))
    expect(second.headers.get('Idempotent-Replay')).toBe('true')
    expect(((await second.json()) as any).customer.id).toBe(first.customer.id)
  })

  it('the same key with other arguments or another tool → 422 idempotency_mismatch', async () => {
    await ok('create_customer', { name: 'Ada' }, withKey('k1'))
    for (const [tool, args] of [
      ['create_customer', { name: 'Grace' }],
      ['create_vendor', { name: 'Ada' }],
    ] as const) {
      const response = await callTool(tool, args, withKey('k1'))
      expect(response.status).toBe(422)
      expect(((await response.json()) as any).error.code).toBe('idempotency_mismatch')
    }
    expect(await pendingEntries()).toHaveLength(1)
  })

  it('a failed call releases its key, so a corrected retry runs', async () => {
    const id = '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001'
    expect((await callTool('edit_customer', { id, patch: { name: 'X' } }, withKey('k-fail'))).status).toBe(404)
    const created = await ok('create_customer', { name: 'Ada' }, withKey('k-fail'))
    expect(created.customer.name).toBe('Ada')
  })

  it('concurrent first calls with one key write once; the others are told to retry', async () => {
    const responses = await Promise.all(Array.from({ length: 5 }, () => callTool('create_customer', { name: 'Ada' }, withKey('k-race'))))
    const statuses = responses.map((response) => response.status)
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(1)
    expect(statuses.every((status) => status === 200 || status === 409)).toBe(true)
    for (const response of responses.filter((r) => r.status === 409)) {
      expect(response.headers.get('Retry-After')).toBe('1')
      expect(((await response.json()) as any).error.code).toBe('idempotency_in_progress')
    }
    expect(await keysUnder('data/acme/Customer/')).toHaveLength(1)
    const replay = await callTool('create_customer', { name: 'Ada' }, withKey('k-race'))
    expect(replay.headers.get('Idempotent-Replay')).toBe('true')
  })

  it('a claim left by a call that died expires, and the key can be used again', async () => {
    const key = await idempotencyRecordKey('acme', 'k-dead')
    await env.BUCKET.put(key, JSON.stringify({ v: 1, tool: 'create_customer', fingerprint: 'x', state: 'claimed', at_ms: Date.now() - CLAIM_TTL_MS - 1 }))
    expect((await callTool('create_customer', { name: 'Ada' }, withKey('k-dead'))).status).toBe(200)
    await settle()
    const stored = JSON.parse((await textAt(key))!)
    expect(stored.state).toBe('answered')
  })

  it('an answer older than 24 hours is not replayed', async () => {
    await ok('create_customer', { name: 'Ada' }, withKey('k-old'))
    await settle()
    const key = await idempotencyRecordKey('acme', 'k-old')
    const stored = JSON.parse((await textAt(key))!)
    await env.BUCKET.put(key, JSON.stringify({ ...stored, at_ms: Date.now() - 25 * 3_600_000 }))
    const again = await callTool('create_customer', { name: 'Ada' }, withKey('k-old'))
    expect(again.headers.get('Idempotent-Replay')).toBeNull()
    expect(await keysUnder('data/acme/Customer/')).toHaveLength(2)
  })

  it('is ignored on read tools, and costs nothing on calls without the header', async () => {
    const counting = new CountingObjectStore(new R2ObjectStore(env.BUCKET))
    const app = createApp({ objects: () => counting })
    const fetcher = (request: Request) => app.fetch(request, env)
    await ok('create_customer', { name: 'Ada' }, { fetcher })
    expect(await keysUnder('idempotency/')).toEqual([])
    const without = counting.counts()
    counting.reset()
    await ok('create_customer', { name: 'Ada' }, { fetcher, ...withKey('k-cost') })
    const withHeader = counting.counts()
    // The claim, the answer stored before the commit point, and its mark once committed (after the answer):
    // three puts, one get, beyond the write itself.
    expect(withHeader.put - without.put).toBe(3)
    expect(withHeader.get - without.get).toBe(1)
    expect((await callTool('list_customers', {}, withKey('k-cost'))).status).toBe(200)
  })

  describe('when the answer of the commit point is lost', () => {
    function appOver(objects: GatedObjectStore) {
      const app = createApp({ objects: () => objects })
      return (request: Request) => app.fetch(request, env)
    }
    const isEntryPut = (call: { op: string; key: string }) => call.op === 'put' && call.key.startsWith('commits/')

    it('the entry landed: the retry replays the answer and nothing is written twice', async () => {
      const objects = new GatedObjectStore(new R2ObjectStore(env.BUCKET))
      objects.landThenFail(isEntryPut)
      const fetcher = appOver(objects)
      const first = await callTool('create_customer', { name: 'Ada' }, { fetcher, ...withKey('k-lost') })
      expect(first.status).toBe(500)
      expect(((await first.json()) as any).error.code).toBe('commit_outcome_unknown')
      const retry = await callTool('create_customer', { name: 'Ada' }, { fetcher, ...withKey('k-lost') })
      expect(retry.status).toBe(200)
      expect(retry.headers.get('Idempotent-Replay')).toBe('true')
      const body = (await retry.json()) as any
      expect(await keysUnder('data/acme/Customer/')).toEqual([`data/acme/Customer/${body.customer.id}.agi`])
      expect(await pendingEntries()).toHaveLength(1)
    })

    it('the entry did not land: 409 until recovery settles it, then the call runs once', async () => {
      const objects = new GatedObjectStore(new R2ObjectStore(env.BUCKET))
      objects.failBefore(isEntryPut)
      const fetcher = appOver(objects)
      expect((await callTool('create_customer', { name: 'Ada' }, { fetcher, ...withKey('k-unknown') })).status).toBe(500)
      const early = await callTool('create_customer', { name: 'Ada' }, { fetcher, ...withKey('k-unknown') })
      expect(early.status).toBe(409)
      expect(early.headers.get('Retry-After')).toBe('1')
      expect(((await early.json()) as any).error.code).toBe('idempotency_in_progress')
      const report = await recoverAbandonedTransactions(new R2ObjectStore(env.BUCKET), { nowMs: Date.now() + TX_ABANDONED_MS + 1 })
      expect(report.rolledBack).toHaveLength(1)
      const settled = await callTool('create_customer', { name: 'Ada' }, { fetcher, ...withKey('k-unknown') })
      expect(settled.status).toBe(200)
      expect(settled.headers.get('Idempotent-Replay')).toBeNull()
      expect(await keysUnder('data/acme/Customer/')).toHaveLength(1)
      expect(await pendingEntries()).toHaveLength(1)
    })
  })

  it('refuses a malformed key with 400', async () => {
    const response = await callTool('create_customer', { name: 'Ada' }, withKey('k'.repeat(300)))
    expect(response.status).toBe(400)
    expect(await keysUnder('data/')).toEqual([])
  })
})
