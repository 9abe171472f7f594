import { env, exports } from 'cloudflare:workers'
import { reset } from 'cloudflare:test'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp } from '../../worker/app.ts'
import { parseAllowedOrigins } from '../../worker/http/origin-guard.ts'
import { keysUnder, ORIGIN, settle, tokenFor } from './support/api.ts'

afterEach(async () => {
  await settle()
  await reset()
})

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'browser', version: '0' } },
})

/** One request to each guarded route group; `base` is the URL the request is addressed to (its Host). */
async function apiRequests(base: string): Promise<Request[]> {
  const token = await tokenFor()
  const auth = { Authorization: `Bearer ${token}` }
  return [
    new Request(`${base}/tools`),
    new Request(`${base}/tools/create_customer`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{"name":"Ada"}' }),
    new Request(`${base}/mcp`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' }, body: INITIALIZE }),
    new Request(`${base}/activity`, { headers: auth }),
    new Request(`${base}/data/acme/Customer/0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001.agi`, { headers: auth }),
  ]
}

function withOrigin(request: Request, origin: string): Request {
  const headers = new Headers(request.headers)
  headers.set('Origin', origin)
  return new Request(request, { headers })
}

async function expectForbidden(response: Response, what: string): Promise<string> {
  expect(response.status, what).toBe(403)
  const body = (await response.json()) as { error: { code: string; message: string } }
  expect(body.error.code, what).toBe('forbidden')
  return body.error.message
}

describe('Origin validation on /tools, /mcp, /activity and /data', () => {
  it('refuses a request from another origin with 403 forbidden, before it runs or writes anything', async () => {
    for (const request of await apiRequests(ORIGIN)) {
      const message = await expectForbidden(await exports.default.fetch(withOrigin(request, 'http://evil.example.com')), `${request.method} ${request.url}`)
      expect(message).toContain('http://evil.example.com')
    }
    for (const origin of ['null', 'not an origin', 'http://accelerando.test.evil.example', 'https://accelerando.test']) {
      await expectForbidden(await exports.default.fetch(withOrigin((await apiRequests(ORIGIN))[1]!, origin)), origin)
    }
    expect(await keysUnder('')).toEqual([])
  })

  it("accepts the Worker's own origin, and requests without Origin, as before", async () => {
    for (const headers of [{ Origin: ORIGIN }, { Origin: `${ORIGIN}/` }, {}] as Record<string, string>[]) {
      const statuses = []
      for (const request of await apiRequests(ORIGIN)) {
        const sent = new Request(request, { headers: { ...Object.fromEntries(request.headers), ...headers } })
        statuses.push((await exports.default.fetch(sent)).status)
      }
      // The record at /data does not exist: 404 is the route answering.
      expect(statuses, JSON.stringify(headers)).toEqual([200, 200, 200, 200, 404])
    }
    expect(await keysUnder('data/acme/Customer/')).toHaveLength(3)
  })

  it('accepts the origins ALLOWED_ORIGINS lists, and only those', async () => {
    const app = createApp()
    const allowed = { ...env, ALLOWED_ORIGINS: ' https://erp.example.com, http://localhost:5173 ,' }
    for (const origin of ['https://erp.example.com', 'HTTPS://ERP.example.com:443', 'http://localhost:5173']) {
      const response = await app.fetch(withOrigin((await apiRequests(ORIGIN))[3]!, origin), allowed)
      expect(response.status, origin).toBe(200)
    }
    for (const origin of ['https://erp.example.com:8443', 'http://erp.example.com', 'http://localhost:5174']) {
      await expectForbidden(await app.fetch(withOrigin((await apiRequests(ORIGIN))[3]!, origin), allowed), origin)
    }
  })

  it('leaves the dashboard page and /health alone', async () => {
    for (const path of ['/', '/health']) {
      const response = await exports.default.fetch(new Request(`${ORIGIN}${path}`, { headers: { Origin: 'http://evil.example.com' } }))
      expect(response.status, path).toBe(200)
    }
  })

  it('a malformed ALLOWED_ORIGINS is a 500 for the operator, not a guess', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const app = createApp()
    const response = await app.fetch(withOrigin((await apiRequests(ORIGIN))[3]!, 'https://erp.example.com'), { ...env, ALLOWED_ORIGINS: 'erp.example.com' })
    expect(response.status).toBe(500)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('internal')
    logged.mockRestore()
    expect(() => parseAllowedOrigins('https://erp.example.com/app')).toThrow(/not an origin/)
    expect(() => parseAllowedOrigins('*')).toThrow(/not an origin/)
    expect(parseAllowedOrigins('https://a.example, http://b.example:8080')).toEqual(['https://a.example', 'http://b.example:8080'])
    expect(parseAllowedOrigins('')).toEqual([])
  })
})

describe('under npm start (LOOPBACK_ONLY): loopback Host names only', () => {
  const local = { ...env, LOOPBACK_ONLY: 'true' }

  it('refuses a foreign Host even when Origin matches it (a DNS-rebinding page)', async () => {
    const app = createApp()
    for (const request of await apiRequests('http://evil.example.com:8787')) {
      const message = await expectForbidden(await app.fetch(withOrigin(request, 'http://evil.example.com:8787'), local), request.url)
      expect(message).toContain('evil.example.com')
    }
    // Without Origin too: a Host that is not loopback never reaches the API locally.
    for (const request of await apiRequests('http://evil.example.com:8787')) await expectForbidden(await app.fetch(request, local), request.url)
    expect(await keysUnder('')).toEqual([])
  })

  it('answers localhost, 127.0.0.1 and [::1], with their own Origin or none', async () => {
    const app = createApp()
    for (const base of ['http://localhost:8787', 'http://127.0.0.1:8787', 'http://[::1]:8787']) {
      const mcp = (await apiRequests(base))[2]!
      expect((await app.fetch(withOrigin(mcp, base), local)).status, base).toBe(200)
      expect((await app.fetch((await apiRequests(base))[2]!, local)).status, base).toBe(200)
      // Another local port is another origin.
      await expectForbidden(await app.fetch(withOrigin((await apiRequests(base))[2]!, base.replace('8787', '3000')), local), base)
    }
  })
})
