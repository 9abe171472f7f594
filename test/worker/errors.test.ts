import { env, exports } from 'cloudflare:workers'
import { reset } from 'cloudflare:test'
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ThrottledError } from '../../shared/errors.ts'
import { R2ObjectStore } from '../../worker/r2-object-store.ts'
import { createApp } from '../../worker/app.ts'
import { ALL_TOOL_NAMES } from '../support/tool-names.ts'
import { callTool, get, ORIGIN, settle, tokenFor } from './support/api.ts'
import { appWithFailingReads, HIDDEN_CAUSE } from './support/failing-storage.ts'

afterEach(async () => {
  await settle()
  await reset()
})

async function envelope(response: Response) {
  const body = (await response.json()) as Record<string, any>
  expect(Object.keys(body)).toEqual(['error'])
  expect(body.error).toEqual({ code: expect.any(String), message: expect.any(String), ...(body.error.details === undefined ? {} : { details: body.error.details }) })
  return { status: response.status, ...(body.error as { code: string; message: string; details?: any }) }
}

describe('the error envelope', () => {
  it('malformed JSON → 400 invalid_input', async () => {
    expect(await envelope(await callTool('create_customer', null, { body: '{"name": "Ada",' }))).toMatchObject({ status: 400, code: 'invalid_input' })
  })

  it('an empty body reads as no arguments', async () => {
    expect((await callTool('list_customers', null, { body: '' })).status).toBe(200)
    expect(await envelope(await callTool('create_customer', null, { body: '' }))).toMatchObject({ status: 400, code: 'invalid_input' })
  })

  it('a body over 256 KiB → 413 too_large, declared or streamed', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(300 * 1024) })
    expect(await envelope(await callTool('create_customer', null, { body: big }))).toMatchObject({ status: 413, code: 'too_large' })
    const token = await tokenFor()
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024))
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk)
        else controller.close()
      },
    })
    const streamed = await exports.default.fetch(
      new Request(`${ORIGIN}/tools/create_customer`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: stream, duplex: 'half' } as RequestInit),
    )
    expect(await envelope(streamed)).toMatchObject({ status: 413, code: 'too_large' })
  })

  it('a body just under the limit is read', async () => {
    const response = await callTool('create_customer', { name: 'n'.repeat(200 * 1024) })
    expect(response.status).toBe(200)
  })

  it('an unknown route and an unknown tool → 404 not_found', async () => {
    expect(await envelope(await get('/nope'))).toMatchObject({ status: 404, code: 'not_found' })
    expect(await envelope(await callTool('launch_rockets', {}))).toMatchObject({ status: 404, code: 'not_found' })
    expect(await envelope(await get('/tools?format=yaml', { token: null }))).toMatchObject({ status: 400, code: 'invalid_input' })
  })

  it('an unexpected fault → 500 internal with a request id, logged', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const app = appWithFailingReads()
    const token = await tokenFor()
    const response = await app.fetch(
      new Request(`${ORIGIN}/tools/read_customer`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: JSON.stringify({ id: '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001' }) }),
      env,
    )
    const error = await envelope(response)
    expect(error).toMatchObject({ status: 500, code: 'internal' })
    expect(error.message).not.toContain(HIDDEN_CAUSE)
    expect(error.details.request_id).toBe(response.headers.get('X-Request-Id'))
    expect(String(logged.mock.calls[0]?.[0])).toContain(error.details.request_id)
    logged.mockRestore()
  })

  it('R2 throttling after retries → 429 with Retry-After', async () => {
    const app = createApp({
      objects: (e) => {
        const inner = new R2ObjectStore(e.BUCKET)
        return {
          get: (key) => inner.get(key),
          list: (options) => inner.list(options),
          delete: (keys) => inner.delete(keys),
          put: async () => {
            throw new ThrottledError('R2 kept throttling put', 2)
          },
        }
      },
    })
    const token = await tokenFor()
    const response = await app.fetch(
      new Request(`${ORIGIN}/tools/create_customer`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: JSON.stringify({ name: 'Ada' }) }),
      env,
    )
    expect(response.headers.get('Retry-After')).toBe('2')
    expect(await envelope(response)).toMatchObject({ status: 429, code: 'throttled' })
  })

  it('a corrupt stored record → 500 corrupt_record naming the key, logged', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const id = '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001'
    await env.BUCKET.put(`data/acme/Customer/${id}.agi`, 'RECORD Customer nonsense {')
    const error = await envelope(await callTool('read_customer', { id }))
    expect(error).toMatchObject({ status: 500, code: 'corrupt_record', details: { key: `data/acme/Customer/${id}.agi` } })
    expect(logged).toHaveBeenCalled()
    logged.mockRestore()
  })
})

describe('hostile input never yields a 5xx', () => {
  // Every tool of the catalogue, reads and writes alike.
  const tools = ALL_TOOL_NAMES

  /** 150 calls of random tools with arguments drawn from `args`: none may answer 5xx. */
  async function expectNoServerError(args: fc.Arbitrary<unknown>): Promise<void> {
    const token = await tokenFor()
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...tools), args, async (tool, input) => {
        const response = await callTool(tool, input, { token })
        expect(response.status, `${tool} ${JSON.stringify(input)}`).toBeLessThan(500)
        await response.arrayBuffer()
      }),
      { numRuns: 150 },
    )
  }

  it('random JSON arguments', async () => {
    await expectNoServerError(fc.jsonValue({ maxDepth: 4 }))
  })

  it('random objects shaped like the arguments', async () => {
    const value = fc.oneof(fc.string(), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constantFrom('1.005', '-0.01', '1e3', '2026-02-30', '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001'))
    const fields = fc.dictionary(fc.constantFrom('name', 'email', 'id', 'patch', 'where', 'limit', 'cursor', 'total', 'type', 'active', 'tenant_id', 'expected_version', 'code'), value)
    await expectNoServerError(fc.record({ top: fields, patch: fields }).map(({ top, patch }) => ({ ...top, patch })))
  })

  it('random bytes as the body', async () => {
    const token = await tokenFor()
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), async (body) => {
        const response = await callTool('create_customer', null, { token, body })
        expect(response.status).toBeLessThan(500)
        await response.arrayBuffer()
      }),
      { numRuns: 100 },
    )
  })

  it('deeply nested JSON', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000)
    const response = await callTool('create_customer', null, { body: deep })
    expect(response.status).toBe(400)
  })
})
