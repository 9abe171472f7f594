import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../worker/app.ts'
import { CLIENT_ASSETS } from '../../worker/dashboard/client-assets.generated.ts'
import { DASHBOARD_CSP } from '../../worker/dashboard/security-headers.ts'

const get = (url: string, headers: Record<string, string> = {}) => exports.default.fetch(new Request(url, { headers }))

/** The app with the variable `accelerando dev` passes to wrangler dev, as a local Worker would see it. */
function withDevToken(token = 'dev.token.value') {
  const app = createApp()
  return (url: string, headers: Record<string, string> = {}) => app.fetch(new Request(url, { headers }), { ...env, DEV_TOKEN: token })
}

describe('the dashboard page', () => {
  it('is served at / without a token, under a strict Content-Security-Policy', async () => {
    const res = await get('http://accelerando.test/')
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toMatch(/^text\/html/)
    expect(res.headers.get('Content-Security-Policy')).toBe(DASHBOARD_CSP)
    expect(DASHBOARD_CSP).toContain("script-src 'self'")
    expect(DASHBOARD_CSP).not.toContain('unsafe-inline')
    expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff')
    const html = await res.text()
    expect(html).toContain('<script type="module" src="/dashboard/app.js"></script>')
    expect(html).toContain('<link rel="stylesheet" href="/dashboard/app.css">')
    // Nothing inline for the CSP to block: no script bodies, no style attributes or elements, no handlers.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
    expect(html).not.toMatch(/\sstyle=|<style|\son[a-z]+=/i)
    // Nothing from elsewhere.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//)
    expect(html).not.toContain('data-dev-token')
  })

  it('serves every module the page loads, and nothing else', async () => {
    const seen = new Set<string>()
    const queue = ['app.js']
    while (queue.length > 0) {
      const name = queue.shift() as string
      if (seen.has(name)) continue
      seen.add(name)
      const res = await get(`http://accelerando.test/dashboard/${name}`)
      expect(res.status, name).toBe(200)
      expect(res.headers.get('Content-Type')).toBe('text/javascript; charset=utf-8')
      const source = await res.text()
      for (const [, specifier] of source.matchAll(/^import\s[^'"]*['"]([^'"]+)['"]/gm)) {
        expect(specifier, `${name} imports ${specifier}`).toMatch(/^\.\/[a-z-]+\.js$/)
        queue.push((specifier as string).slice(2))
      }
    }
    expect([...seen].sort()).toEqual(Object.keys(CLIENT_ASSETS).filter((name) => name.endsWith('.js')).sort())

    const css = await get('http://accelerando.test/dashboard/app.css')
    expect(css.headers.get('Content-Type')).toBe('text/css; charset=utf-8')
    expect(await css.text()).toContain('prefers-reduced-motion')

    for (const name of ['missing.js', '__proto__', 'constructor', '..%2Fapp.ts']) {
      const res = await get(`http://accelerando.test/dashboard/${name}`)
      expect(res.status, name).toBe(404)
      expect(await res.json()).toMatchObject({ error: { code: 'not_found' } })
    }
  })

  it('answers 304 to a file the browser already has', async () => {
    const first = await get('http://accelerando.test/dashboard/app.js')
    const etag = first.headers.get('ETag') as string
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/)
    const again = await get('http://accelerando.test/dashboard/app.js', { 'If-None-Match': etag })
    expect(again.status).toBe(304)
  })
})

describe('GET /dev/token (local development only)', () => {
  it('does not exist without the variable accelerando dev sets, even from loopback', async () => {
    for (const url of ['http://127.0.0.1:8787/dev/token', 'http://localhost:8787/dev/token', 'http://accelerando.test/dev/token']) {
      const res = await get(url)
      expect(res.status, url).toBe(404)
      expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'no route GET /dev/token' } })
    }
  })

  it('hands the token to a same-origin request on a loopback address', async () => {
    const fetchDev = withDevToken('the.dev.token')
    for (const origin of ['http://127.0.0.1:8787', 'http://localhost:8787', 'http://[::1]:8787']) {
      const res = await fetchDev(`${origin}/dev/token`, { 'CF-Connecting-IP': origin.includes('::1') ? '::1' : '127.0.0.1', 'Sec-Fetch-Site': 'same-origin' })
      expect(res.status, origin).toBe(200)
      expect(res.headers.get('Cache-Control')).toBe('no-store')
      expect(await res.json()).toEqual({ token: 'the.dev.token' })
    }
    const page = await (await fetchDev('http://127.0.0.1:8787/')).text()
    expect(page).toContain('<body data-dev-token="/dev/token">')
  })

  it.each([
    ['another host name (a deployment, or DNS rebinding)', 'http://accelerando.example/dev/token', {}],
    ['a rebound name with a loopback client', 'http://evil.example:8787/dev/token', { 'CF-Connecting-IP': '127.0.0.1' }],
    ['a client that is not loopback', 'http://127.0.0.1:8787/dev/token', { 'CF-Connecting-IP': '203.0.113.7' }],
    ['a request from another site', 'http://127.0.0.1:8787/dev/token', { 'Sec-Fetch-Site': 'cross-site' }],
    ['a near-loopback name', 'http://127.0.0.1.example/dev/token', {}],
  ])('is 404 with the variable set, for %s', async (_case, url, headers) => {
    const fetchDev = withDevToken()
    const res = await fetchDev(url, headers as Record<string, string>)
    expect(res.status).toBe(404)
    expect(await res.text()).not.toContain('dev.token.value')
    const page = await (await fetchDev(url.replace('/dev/token', '/'), headers as Record<string, string>)).text()
    expect(page).not.toContain('data-dev-token')
  })
})
