/**
 * Invariant 6 (tenant isolation) and the token rules, systematically: every tool of the catalogue and every read
 * route, against every kind of bad token, a read-only scope, one-tool allow-lists, foreign `tenant_id`s anywhere
 * in the arguments, and another tenant's ids. Then the body limit: a streamed body larger than the limit is
 * refused with 413 while it streams, never buffered whole.
 */
import { exports } from 'cloudflare:workers'
import { reset } from 'cloudflare:test'
import { sign } from 'hono/jwt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mintToken } from '../../../shared/auth/token-claims.ts'
import { newId } from '../../../shared/keys.ts'
import { TOOLS } from '../../../worker/tools/catalogue.ts'
import { READ_TOOL_NAMES, WRITE_TOOL_NAMES } from '../../support/tool-names.ts'
import { ACME_WRITER, callTool, CURRENT_SECRET, get, ORIGIN, settle, tokenFor } from '../../worker/support/api.ts'
import { diff, listing, type Listing } from './bucket.ts'

const SECRET_NAME = 'Globex Top Secret Industries'

interface Ids {
  customer: string
  bareCustomer: string
  vendor: string
  account: string
  invoice: string
  sentInvoice: string
  line: string
  payment: string
  entry: string
  journalLine: string
}

let acme: Ids
let globex: Ids
let acmeToken: string
let globexToken: string
const counts: Record<string, number> = {}
const count = (what: string) => (counts[what] = (counts[what] ?? 0) + 1)

async function seedTenant(token: string, secretName: string, code: string): Promise<Ids> {
  const call = async (tool: string, args: unknown) => {
    const response = await callTool(tool, args, { token })
    const body = (await response.json()) as any
    if (response.status !== 200) throw new Error(`${tool}: ${JSON.stringify(body)}`)
    return body
  }
  const customer = (await call('create_customer', { name: secretName, email: 'ceo@example.com' })).customer.id
  const bareCustomer = (await call('create_customer', { name: `${secretName} (no invoices)` })).customer.id
  const vendor = (await call('create_vendor', { name: `${secretName} Supplies` })).vendor.id
  const account = (await call('create_account', { code, name: `${secretName} Cash`, type: 'asset' })).account.id
  await call('create_account', { code: `${code}9`, name: `${secretName} Sales`, type: 'income' })
  const lines = [{ description: `${secretName} consulting`, unit_price: '777.77' }]
  const invoice = (await call('create_invoice_with_lines', { customer_id: customer, lines })).invoice.id
  const sent = await call('create_invoice_with_lines', { customer_id: customer, lines })
  await call('update_invoice_status', { invoice_id: sent.invoice.id, status: 'sent' })
  const payment = (await call('record_payment', { invoice_id: sent.invoice.id, amount: '7.77' })).payment.id
  const journal = await call('create_journal_entry', { date: '2026-06-30', memo: `${secretName} memo`, lines: [{ account_code: code, debit: '313.13' }, { account_code: `${code}9`, credit: '313.13' }] })
  return { customer, bareCustomer, vendor, account, invoice, sentInvoice: sent.invoice.id, line: sent.lines[0].id, payment, entry: journal.journal_entry.id, journalLine: journal.lines[0].id }
}

/** Arguments each tool accepts, aimed at the records in `ids`. */
function argsFor(tool: string, ids: Ids, code: string): Record<string, unknown> {
  const table: Record<string, Record<string, unknown>> = {
    list_customers: { where: { email: 'ceo@example.com' } },
    read_customer: { id: ids.customer },
    create_customer: { name: 'New customer' },
    edit_customer: { id: ids.customer, patch: { notes: 'owned' } },
    delete_customer: { id: ids.bareCustomer },
    list_vendors: {},
    read_vendor: { id: ids.vendor },
    create_vendor: { name: 'New vendor' },
    edit_vendor: { id: ids.vendor, patch: { notes: 'owned' } },
    delete_vendor: { id: ids.vendor },
    list_accounts: { where: { code } },
    read_account: { id: ids.account },
    create_account: { code: '8888', name: 'New', type: 'asset' },
    edit_account: { id: ids.account, patch: { name: 'owned' } },
    list_invoices: { where: { customer_id: ids.customer } },
    read_invoice: { id: ids.invoice },
    edit_invoice: { id: ids.invoice, patch: { notes: 'owned' } },
    list_invoice_line_items: { where: { invoice_id: ids.sentInvoice } },
    read_invoice_line_item: { id: ids.line },
    list_payments: { where: { invoice_id: ids.sentInvoice } },
    read_payment: { id: ids.payment },
    list_journal_entries: {},
    read_journal_entry: { id: ids.entry },
    list_journal_lines: { where: { account_code: code } },
    read_journal_line: { id: ids.journalLine },
    create_invoice_with_lines: { customer_id: ids.customer, lines: [{ description: 'x', unit_price: 1 }] },
    update_invoice_status: { invoice_id: ids.invoice, status: 'sent' },
    record_payment: { invoice_id: ids.sentInvoice, amount: 1 },
    create_journal_entry: { date: '2026-07-01', memo: 'x', lines: [{ account_code: code, debit: 1 }, { account_code: `${code}9`, credit: 1 }] },
    reverse_journal_entry: { journal_entry_id: ids.entry, date: '2026-07-02' },
    trial_balance: { as_of: '2026-12-31' },
    account_ledger: { account_code: code, from: '2026-06-01', to: '2026-12-31' },
    aged_receivables: { as_of: '2026-12-31', limit: 10 },
  }
  const args = table[tool]
  if (args === undefined) throw new Error(`no arguments for ${tool}: add it to the table`)
  return args
}


async function errorOf(response: Response): Promise<{ status: number; code: string; text: string }> {
  const text = await response.text()
  const body = JSON.parse(text)
  expect(Object.keys(body), text).toEqual(['error'])
  return { status: response.status, code: body.error.code, text }
}

async function expectUnchanged(before: Listing, what: string): Promise<void> {
  await settle()
  const { added, changed, removed } = diff(before, await listing())
  expect([...added, ...changed, ...removed], `${what}: the bucket changed`).toEqual([])
}

describe('security, systematically', () => {
  beforeAll(async () => {
    await reset()
    acmeToken = await tokenFor()
    globexToken = await tokenFor({ tenant: 'globex', sub: 'globex-bot', name: 'Globex Bot', email: 'bot@globex.example' })
    acme = await seedTenant(acmeToken, 'Acme Plain Ltd', '1000')
    globex = await seedTenant(globexToken, SECRET_NAME, '7777')
    await settle()
  }, 60_000)

  afterAll(async () => {
    console.log(`[invariants] security report: ${JSON.stringify(counts)}`)
    await reset()
  })

  it('the argument table covers every tool', () => {
    for (const tool of TOOLS) expect(() => argsFor(tool.name, acme, '1000'), tool.name).not.toThrow()
  })

  it('bad tokens are refused with 401 on every tool and every protected route, and write nothing', async () => {
    const now = Math.floor(Date.now() / 1000)
    const claims = { ...ACME_WRITER, exp: now + 3600 }
    const b64 = (value: unknown) => btoa(JSON.stringify(value)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
    const valid = await tokenFor()
    const [header, payload] = valid.split('.')
    const bad: Record<string, string | null> = {
      missing: null,
      'forged with another secret': await tokenFor({}, { secret: 'another-secret' }),
      'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
      'alg none, signature kept': `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.${valid.split('.')[2]}`,
      'HS512 with the right secret': await sign(claims, CURRENT_SECRET, 'HS512'),
      expired: await mintToken(ACME_WRITER, CURRENT_SECRET, { expiresInSeconds: 60, now: new Date(Date.now() - 7_200_000) }),
      'tenant changed after signing': `${header}.${b64({ ...claims, tenant: 'globex' })}.${valid.split('.')[2]}`,
      'scope raised after signing': `${header}.${b64({ ...claims, scope: 'write', tools: undefined })}x.${valid.split('.')[2]}`,
      'no exp': await sign({ ...ACME_WRITER }, CURRENT_SECRET, 'HS256'),
      'a tenant no key can hold': await sign({ ...claims, tenant: '../globex' }, CURRENT_SECRET, 'HS256'),
      'an unknown scope': await sign({ ...claims, scope: 'admin' }, CURRENT_SECRET, 'HS256'),
      garbage: 'eyJ.eyJ.x',
    }
    const before = await listing()
    for (const [what, token] of Object.entries(bad)) {
      for (const tool of TOOLS) {
        const response = await callTool(tool.name, argsFor(tool.name, acme, '1000'), { token })
        expect(response.headers.get('WWW-Authenticate'), `${what}: ${tool.name}`).toBe('Bearer')
        expect(await errorOf(response), `${what}: ${tool.name}`).toMatchObject({ status: 401, code: 'unauthorized' })
        count('bad token → 401')
      }
      for (const path of ['/activity', `/data/acme/Customer/${acme.customer}.agi`, `/data/globex/Customer/${globex.customer}.agi`]) {
        expect(await errorOf(await get(path, { token })), `${what}: ${path}`).toMatchObject({ status: 401, code: 'unauthorized' })
        count('bad token → 401')
      }
    }
    await expectUnchanged(before, 'bad tokens')
  }, 120_000)

  it('a read-scope token calls every read tool and no write tool', async () => {
    const reader = await tokenFor({ scope: 'read' })
    const before = await listing()
    for (const tool of WRITE_TOOL_NAMES) {
      expect(await errorOf(await callTool(tool, argsFor(tool, acme, '1000'), { token: reader })), tool).toMatchObject({ status: 403, code: 'forbidden' })
      count('read scope, write tool → 403')
    }
    await expectUnchanged(before, 'read scope')
    for (const tool of READ_TOOL_NAMES) {
      const response = await callTool(tool, argsFor(tool, acme, '1000'), { token: reader })
      expect(response.status, `${tool}: ${await response.clone().text()}`).toBe(200)
      count('read scope, read tool → 200')
    }
  })

  it('a one-tool allow-list refuses every other tool', async () => {
    const before = await listing()
    for (const allowed of TOOLS) {
      const token = await tokenFor({ tools: [allowed.name] })
      for (const tool of TOOLS) {
        if (tool.name === allowed.name) continue
        expect(await errorOf(await callTool(tool.name, argsFor(tool.name, acme, '1000'), { token })), `${allowed.name} token calling ${tool.name}`).toMatchObject({
          status: 403,
          code: 'forbidden',
        })
        count('outside the allow-list → 403')
      }
      // A read-scope allow-list naming a write tool does not widen the scope.
      if (allowed.access === 'write') {
        const narrowReader = await tokenFor({ scope: 'read', tools: [allowed.name] })
        expect((await errorOf(await callTool(allowed.name, argsFor(allowed.name, acme, '1000'), { token: narrowReader }))).status).toBe(403)
        count('outside the allow-list → 403')
      }
    }
    await expectUnchanged(before, 'allow-lists')
  }, 120_000)

  it('a tenant_id naming another tenant, anywhere in the arguments, is 403 for every tool', async () => {
    const before = await listing()
    const foreign = ['globex', 'ACME', 'аcme', 'acme ', '../globex', '']
    for (const tool of TOOLS) {
      const args = argsFor(tool.name, acme, '1000')
      const variants: unknown[] = foreign.map((tenant) => ({ ...args, tenant_id: tenant }))
      for (const nested of ['patch', 'where'] as const) if (nested in args) variants.push({ ...args, [nested]: { ...(args[nested] as object), tenant_id: 'globex' } })
      if (Array.isArray(args.lines)) variants.push({ ...args, lines: (args.lines as object[]).map((line) => ({ ...line, tenant_id: 'globex' })) })
      for (const variant of variants) {
        const response = await callTool(tool.name, variant, { token: acmeToken })
        const { status, text } = await errorOf(response)
        expect([400, 403], `${tool.name} ${JSON.stringify(variant)}: ${text}`).toContain(status)
        expect(text).not.toContain(SECRET_NAME)
        count('foreign tenant_id → refused')
      }
    }
    await expectUnchanged(before, 'foreign tenant_id')
  }, 120_000)

  it('another tenant’s ids through every tool: refused or empty, nothing of it in any answer, its data untouched', async () => {
    const globexBefore = new Map([...(await listing('data/globex/')), ...(await listing('commits/globex/'))])
    const globexIds = Object.values(globex)
    const outcomes: Record<string, number> = {}
    for (const tool of TOOLS) {
      const response = await callTool(tool.name, argsFor(tool.name, globex, '7777'), { token: acmeToken })
      const text = await response.text()
      outcomes[`${tool.name} ${response.status}`] = 1
      expect(text, `${tool.name} leaked globex`).not.toContain(SECRET_NAME)
      if (response.status === 200) {
        const body = JSON.parse(text)
        // Only creates may succeed (in acme, with acme's tenant) and lists (without globex records).
        const records = JSON.stringify(body)
        for (const id of globexIds) expect(records.includes(id), `${tool.name} answered a globex id`).toBe(false)
        expect(records.includes('"tenant_id":"globex"'), `${tool.name} answered a globex record`).toBe(false)
      } else {
        expect([404, 422], `${tool.name}: ${text}`).toContain(response.status)
      }
      count('foreign ids → refused or empty')
    }
    await settle()
    const globexAfter = new Map([...(await listing('data/globex/')), ...(await listing('commits/globex/'))])
    expect(diff(globexBefore, globexAfter)).toEqual({ added: [], changed: [], removed: [] })

    // The read routes: the feed is acme's only, and /data serves no globex path whatever its spelling.
    let cursor: string | null = null
    do {
      const page = (await (await get(`/activity?limit=100${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`, { token: acmeToken })).json()) as any
      for (const entry of page.entries) expect(entry.paths.every((path: string) => path.startsWith('data/acme/')), JSON.stringify(entry)).toBe(true)
      cursor = page.next_cursor
      count('activity page, acme only')
    } while (cursor !== null)
    const entities = ['Customer', 'Vendor', 'Account', 'Invoice', 'InvoiceLineItem', 'Payment', 'JournalEntry', 'JournalLine']
    const ids = [globex.customer, globex.vendor, globex.account, globex.invoice, globex.line, globex.payment, globex.entry, globex.journalLine]
    for (const [index, entity] of entities.entries()) {
      const id = ids[index] as string
      for (const path of [`/data/globex/${entity}/${id}.agi`, `/data/acme/${entity}/${id}.agi`, `/data/acme/../globex/${entity}/${id}.agi`, `/data/acme/%2e%2e/globex/${entity}/${id}.agi`]) {
        const response = await get(path, { token: acmeToken })
        const { status, text } = await errorOf(response)
        expect([403, 404], `${path}: ${text}`).toContain(status)
        expect(text).not.toContain(SECRET_NAME)
        count('foreign /data path → refused')
      }
      // The control: globex reads its own.
      expect((await get(`/data/globex/${entity}/${id}.agi`, { token: globexToken })).status).toBe(200)
    }
    console.log(`[invariants] foreign ids per tool: ${Object.keys(outcomes).join(', ')}`)
  }, 120_000)

  it('a body over the limit is refused with 413 while it streams, never read whole', async () => {
    const chunk = new Uint8Array(16 * 1024).fill(0x20)
    let pulled = 0
    // An endless body: only a server that stops reading can answer at all.
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += chunk.length
        controller.enqueue(chunk)
      },
    })
    const before = await listing()
    const started = Date.now()
    const response = await exports.default.fetch(
      new Request(`${ORIGIN}/tools/create_customer`, { method: 'POST', headers: { Authorization: `Bearer ${acmeToken}` }, body: endless, duplex: 'half' } as RequestInit),
    )
    const elapsed = Date.now() - started
    expect(await errorOf(response)).toMatchObject({ status: 413, code: 'too_large' })
    expect(pulled, 'bytes read before refusing').toBeLessThan(2 * 256 * 1024)
    expect(elapsed).toBeLessThan(10_000)
    count('streamed body over the limit → 413')

    // Declared too large: refused before a byte is read; and without a token, nothing is read either.
    const declared = await callTool('create_customer', null, { body: JSON.stringify({ name: 'x'.repeat(300 * 1024) }) })
    expect(await errorOf(declared)).toMatchObject({ status: 413, code: 'too_large' })
    let anonymousPulled = 0
    const anonymous = await exports.default.fetch(
      new Request(`${ORIGIN}/tools/create_customer`, {
        method: 'POST',
        body: new ReadableStream<Uint8Array>({
          pull(controller) {
            anonymousPulled += chunk.length
            controller.enqueue(chunk)
          },
        }),
        duplex: 'half',
      } as RequestInit),
    )
    expect(await errorOf(anonymous)).toMatchObject({ status: 401 })
    expect(anonymousPulled).toBeLessThan(256 * 1024)
    count('streamed body over the limit → 413')
    await expectUnchanged(before, 'bodies over the limit')
    // A random id that exists nowhere, for contrast: a plain 404, not a 403.
    expect((await errorOf(await callTool('read_customer', { id: newId() }, { token: acmeToken }))).status).toBe(404)
  })
})
