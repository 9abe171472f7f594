import { join } from 'node:path'
import type { Page, Route } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readDevVars } from '../../action/cli/dev-vars.ts'
import { mintToken } from '../../shared/auth/token-claims.ts'
import { collectErrors, launchBrowser, screenshot, type Browser } from './support/browser.ts'
import { originGit, startDevProcess, syncOnce, type DevProcess } from './support/dev-stack.ts'

const PHONE = { width: 360, height: 780 }
const DESKTOP = { width: 1280, height: 860 }

/**
 * The operators' dashboard in the system Chromium against `npm start`'s stack (started with `--no-sync`, so the
 * test decides when the sync runs): an invoice created through the API shows amber `pending`, turns green
 * `synced <sha7>` with the very commit the sync pushed to `.accelerando/origin.git`, and opens in the record
 * viewer as its `.agi` text.
 */
describe('the dashboard in a real browser', () => {
  let stack: DevProcess
  let token: string
  // Awaited by each test rather than here: a Chromium that cannot start fails every test (it does not skip them).
  let browser: Promise<Browser>

  beforeAll(async () => {
    browser = launchBrowser({ viewport: DESKTOP })
    browser.catch(() => {})
    stack = await startDevProcess({ args: ['--no-sync'], prefix: 'accelerando-dashboard-' })
    token = await stack.ready()
  }, 90_000)

  afterAll(async () => {
    await browser?.then((started) => started.close(), () => {})
    await stack?.dispose()
  })

  async function newPage(): Promise<Page> {
    return (await browser).context.newPage()
  }

  async function call(tool: string, args: unknown): Promise<any> {
    const response = await fetch(`${stack.url}/tools/${tool}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(args),
    })
    const body = await response.json()
    if (response.status !== 200) throw new Error(`${tool} answered ${response.status}: ${JSON.stringify(body)}`)
    return body
  }

  /** A token for the stack's tenant signed with its secret (or another), for the sign-in cases. */
  function mint(options: { expiresInSeconds: number; now?: Date; secret?: string }): Promise<string> {
    const secret = options.secret ?? (readDevVars(join(stack.dir, '.dev.vars')).AUTH_SECRET as string)
    return mintToken({ sub: 'ops', name: 'Olga Ops', email: 'ops@acme.example', tenant: 'acme', scope: 'read' }, secret, options)
  }

  async function signInWith(page: Page, pasted: string): Promise<void> {
    await page.locator('#token-input').fill(pasted)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  }

  it('follows an invoice from pending to synced and shows its record', async () => {
    const customer = (await call('create_customer', { name: 'Ada Lovelace' })).customer
    const created = await call('create_invoice_with_lines', {
      customer_id: customer.id,
      number: 'INV-2026-0042',
      lines: [
        { description: 'Consulting', qty: 10, unit_price: 150 },
        { description: 'Setup', unit_price: '350' },
      ],
    })
    const invoiceId: string = created.invoice.id
    const oid: string = created.commit.oid

    const page = await newPage()
    const errors = collectErrors(page)
    const response = await page.goto(`${stack.url}/`)
    expect(response?.status()).toBe(200)
    const csp = response?.headers()['content-security-policy'] ?? ''
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("script-src 'self'")

    // Local development: the page picks up the printed token by itself.
    await expect.poll(() => page.locator('#identity-tenant').textContent()).toBe('acme')
    expect(await page.locator('#identity-actor').textContent()).toBe('Developer')

    // Signing out and pasting the printed token signs in the same way.
    await page.getByRole('button', { name: 'Sign out' }).click()
    await expect.poll(() => page.locator('#sign-in').isVisible()).toBe(true)
    expect(await page.locator('#sign-in-message').textContent()).toContain('Signed out')
    await screenshot(page, 'sign-in-desktop')
    await signInWith(page, token)
    await expect.poll(() => page.locator('#identity-tenant').textContent()).toBe('acme')
    expect(await page.evaluate(() => sessionStorage.getItem('accelerando.token'))).toBe(token)

    const entry = page.locator(`.entry[data-oid="${oid}"]`)
    const pill = entry.locator('.pill')
    await expect.poll(() => pill.textContent(), { timeout: 15_000 }).toBe('pending')
    expect(await pill.getAttribute('class')).toContain('pill-pending')
    expect(await entry.locator('.entry-message').textContent()).toBe('create Invoice with 2 lines')
    expect(await entry.locator('.entry-author').textContent()).toBe('Developer')
    expect(await entry.locator('time').textContent()).toMatch(/^(just now|\d+s ago)$/)
    await screenshot(page, 'activity-pending-desktop')

    // The production sync engine, once, over the stack's S3 endpoint: the page turns the pill green on its own.
    const run = await syncOnce(stack)
    expect(run.synced).toBe(2)
    const head = originGit(stack, 'rev-parse', 'refs/heads/main')
    expect(originGit(stack, 'log', '-1', '--format=%(trailers:key=Accelerando-Entry,valueonly)', head)).toBe(oid)
    await expect.poll(() => pill.textContent(), { timeout: 15_000 }).toBe(`synced ${head.slice(0, 7)}`)
    expect(await pill.getAttribute('class')).toContain('pill-synced')
    expect(await pill.getAttribute('data-sha')).toBe(head)
    // A local repository has no web page to link to.
    expect(await pill.evaluate((element) => element.tagName)).toBe('SPAN')

    // Keyboard only: the entry opens to its files, a file opens the viewer, Escape closes it.
    await entry.locator('.entry-toggle').focus()
    await page.keyboard.press('Enter')
    expect(await entry.locator('.entry-toggle').getAttribute('aria-expanded')).toBe('true')
    const files = await entry.locator('.file').evaluateAll((buttons) => buttons.map((button) => button.getAttribute('data-path')))
    expect(files).toHaveLength(3)
    const invoicePath = `data/acme/Invoice/${invoiceId}.agi`
    expect(files).toContain(invoicePath)
    await screenshot(page, 'activity-synced-desktop')

    await entry.locator(`.file[data-path="${invoicePath}"]`).focus()
    await page.keyboard.press('Enter')
    const viewer = page.locator('#record-viewer')
    await expect.poll(() => viewer.isVisible()).toBe(true)
    const raw = page.locator('#viewer-raw')
    await expect.poll(() => raw.textContent()).toContain(`RECORD Invoice ${invoiceId} {`)
    const served = await (await fetch(`${stack.url}/${invoicePath}`, { headers: { Authorization: `Bearer ${token}` } })).text()
    expect(await raw.textContent()).toBe(served)
    expect(served).toMatch(/^ {2}total +: 1850\.00$/m)
    const fields = Object.fromEntries(await page.locator('#viewer-fields tr').evaluateAll((rows) => rows.map((row) => [row.querySelector('th')?.textContent, row.querySelector('td')?.textContent])))
    expect(fields).toMatchObject({ number: 'INV-2026-0042', status: 'draft', total: '1850.00', customer_id: customer.id })
    await screenshot(page, 'record-viewer-desktop', { fullPage: false })

    await page.setViewportSize(PHONE)
    await screenshot(page, 'record-viewer-phone', { fullPage: false })
    await page.keyboard.press('Escape')
    await expect.poll(() => viewer.isVisible()).toBe(false)
    // The focus goes back to the file that opened the viewer.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-path'))).toBe(invoicePath)
    // Nothing wider than a phone's screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width)
    await screenshot(page, 'activity-phone')

    await page.getByRole('button', { name: 'Tools' }).click()
    const tool = page.locator('.tool', { has: page.locator('.tool-name', { hasText: /^create_invoice_with_lines$/ }) })
    await expect.poll(() => tool.count()).toBe(1)
    await tool.locator('summary').first().click()
    expect(await tool.locator('.tool-description').textContent()).toContain('in one commit')
    expect(await tool.locator('.tool-args').textContent()).toContain('customer_id')
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width)
    await screenshot(page, 'tools-phone', { fullPage: false })
    await page.setViewportSize(DESKTOP)
    await screenshot(page, 'tools-desktop', { fullPage: false })

    expect(errors).toEqual([])
    await page.close()
  }, 90_000)

  it('shows the sign-in again for an expired token, one that expires while open, and one the Worker refuses', async () => {
    const page = await newPage()
    await page.goto(`${stack.url}/`)
    await expect.poll(() => page.locator('#identity-tenant').textContent()).toBe('acme')
    await page.getByRole('button', { name: 'Sign out' }).click()
    const message = page.locator('#sign-in-message')

    // Expired before it is pasted: refused at once, nothing stored.
    await signInWith(page, await mint({ expiresInSeconds: 3600, now: new Date(Date.now() - 2 * 3_600_000) }))
    await expect.poll(() => message.textContent()).toContain('This token expired')
    expect(await page.locator('#workspace').isVisible()).toBe(false)
    expect(await page.evaluate(() => sessionStorage.getItem('accelerando.token'))).toBeNull()
    await screenshot(page, 'sign-in-expired-desktop')
    await page.setViewportSize(PHONE)
    await screenshot(page, 'sign-in-expired-phone')
    await page.setViewportSize(DESKTOP)

    // Valid when pasted, expired a few seconds later: the page goes back to sign-in on its own.
    await signInWith(page, await mint({ expiresInSeconds: 5 }))
    await expect.poll(() => page.locator('#workspace').isVisible()).toBe(true)
    expect(await page.locator('#identity-actor').textContent()).toBe('Olga Ops')
    expect(await page.locator('#identity-scope').textContent()).toBe('read')
    await expect.poll(() => page.locator('#sign-in').isVisible(), { timeout: 10_000 }).toBe(true)
    expect(await message.textContent()).toMatch(/expired/)
    expect(await page.evaluate(() => sessionStorage.getItem('accelerando.token'))).toBeNull()

    // Well-formed but signed with another secret: the Worker's 401 sends the page back, with its reason.
    await signInWith(page, await mint({ expiresInSeconds: 3600, secret: 'not-this-workers-secret' }))
    await expect.poll(() => message.textContent()).toContain('The Worker refused the token (the token is invalid)')
    expect(await page.locator('#workspace').isVisible()).toBe(false)
    expect(await page.evaluate(() => sessionStorage.getItem('accelerando.token'))).toBeNull()

    // Not a token at all.
    await signInWith(page, 'hello')
    await expect.poll(() => message.textContent()).toContain('not an Accelerando token')
    await page.close()
  }, 60_000)

  it('designs its empty, offline and paged states, links commits on GitHub and respects reduced motion', async () => {
    const page = await newPage()
    await page.emulateMedia({ reducedMotion: 'reduce' })
    const sha = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678'
    const older = {
      oid: '0199aaaa-0000-7000-8000-000000000001',
      message: 'record Payment on invoice 0199',
      author: { name: 'Billing Agent', email: 'billing@acme.example' },
      ts: new Date(Date.now() - 3 * 86_400_000).toISOString(),
      paths: ['data/acme/Payment/0199aaaa-0000-7000-8000-0000000000aa.agi'],
      status: 'synced',
      commit_sha: sha,
      repository: 'https://github.com/acme/books',
    }
    let mode: 'empty' | 'down' | 'paged' = 'empty'
    const cursors: (string | null)[] = []
    await page.route((url) => url.pathname === '/activity', async (route: Route) => {
      const cursor = new URL(route.request().url()).searchParams.get('cursor')
      cursors.push(cursor)
      if (mode === 'down') return route.abort('connectionrefused')
      if (mode === 'empty') return route.fulfill({ json: { entries: [], next_cursor: null } })
      const newest = { ...older, oid: '0199aaaa-0000-7000-8000-000000000002', message: 'create Customer 0199', ts: new Date(Date.now() - 120_000).toISOString(), status: 'pending', commit_sha: undefined, repository: undefined }
      return route.fulfill({ json: cursor === null ? { entries: [newest], next_cursor: 'page-2' } : { entries: [older], next_cursor: null } })
    })

    await page.goto(`${stack.url}/`)
    const state = page.locator('#timeline-state')
    await expect.poll(() => state.textContent()).toContain('No commits yet.')
    await screenshot(page, 'activity-empty-desktop')

    mode = 'down'
    await page.locator('#refresh').click()
    const banner = page.locator('#banner')
    await expect.poll(() => banner.textContent()).toContain('The Worker cannot be reached.')
    expect(await banner.textContent()).toMatch(/Retrying in \d+ s\./)
    expect(await page.locator('#live-status').textContent()).toBe('Offline')
    await screenshot(page, 'activity-offline-desktop')

    mode = 'paged'
    await banner.getByRole('button', { name: 'Retry now' }).click()
    await expect.poll(() => banner.isVisible()).toBe(false)
    await expect.poll(() => page.locator('.entry').count()).toBe(1)
    expect(await page.locator('.entry time').first().textContent()).toBe('2m ago')
    await page.getByRole('button', { name: 'Load older' }).click()
    await expect.poll(() => page.locator('.entry').count()).toBe(2)
    expect(cursors).toContain('page-2')
    expect(await page.locator('#load-older').isVisible()).toBe(false)
    const link = page.locator(`.entry[data-oid="${older.oid}"] a.pill`)
    expect(await link.getAttribute('href')).toBe(`https://github.com/acme/books/commit/${sha}`)
    expect(await link.textContent()).toBe('synced a1b2c3d')
    expect(await page.locator(`.entry[data-oid="${older.oid}"] time`).textContent()).toBe('3d ago')

    // Reduced motion: the live indicator's pulse does not run.
    const duration = await page.locator('#live-status').evaluate((element) => getComputedStyle(element, '::before').animationDuration)
    expect(Number.parseFloat(duration)).toBeLessThan(0.01)
    await page.close()
  }, 60_000)
})
