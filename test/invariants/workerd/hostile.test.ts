/**
 * Invariants 2 and 6 against hostile input: ≥ 10,000 generated tool calls (fast-check, fixed seed) through the
 * Worker's own fetch handler — wrong types, missing and extra fields, huge strings, deep JSON, numbers JSON cannot
 * hold (`1e999`, `-0`, 400 digits), unicode and control characters, lone surrogates, path tricks in ids, tenants,
 * entity and tool names, forged and foreign tokens, odd headers. For every call:
 * - never a 5xx, and every error is exactly the envelope `{ error: { code, message, details? } }`;
 * - a call that did not commit changed nothing in the bucket (a full listing, compared key by key and ETag);
 * - a call that did commit left exactly its entry and records, the entry passes the Action's own gate (so it can
 *   never be quarantined later), and each record reads back as the answer showed it.
 */
import { env, exports } from 'cloudflare:workers'
import { reset } from 'cloudflare:test'
import fc from 'fast-check'
import { sign } from 'hono/jwt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkPendingEntry } from '../../../action/engine/entry-check.ts'
import { parseRecord, recordToJson } from '../../../shared/agi/index.ts'
import { parseIndexKey, parseRecordKey, recordKey } from '../../../shared/keys.ts'
import { ERP_SCHEMA } from '../../../shared/schema/index.ts'
import { TOOLS } from '../../../worker/tools/catalogue.ts'
import { ALL_TOOL_NAMES, isWriteTool } from '../../support/tool-names.ts'
import { ORIGIN, settle, tokenFor } from '../../worker/support/api.ts'
import { suiteSeed } from '../../support/seeded.ts'
import { diff, listing, type Listing } from './bucket.ts'

const SEED = suiteSeed('hostile input', 424_242)
const CALLS = 10_000
const GETS = 1_000

// ------------------------------------------------------------------------------------------ what the fuzzer knows

interface World {
  customer: string
  invoice: string
  sentInvoice: string
  entry: string
  vendor: string
  account: string
  globexCustomer: string
  tokens: { writer: string; reader: string; globex: string; narrow: string; forged: string; expired: string; none: string; badTenant: string; noExp: string }
}
let world: World

const FIELD_NAMES = [
  ...new Set([
    ...TOOLS.flatMap((tool) => Object.keys((tool.input as unknown as { shape?: Record<string, unknown> }).shape ?? {})),
    ...[...ERP_SCHEMA.entities.values()].flatMap((spec) => spec.fields.map((field) => field.name)),
  ]),
]
const TRICKY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' name', 'NAME', 'name\u0000', 'tenant_id', 'patch', 'where', 'lines']
const RAW_NUMBERS = ['1e999', '-1e999', '-0', '-0.0', '0e0', '1e-999', '5e-324', '1E2', '0.30000000000000004', '1.005', '123456789012345678901234567890', '9007199254740993', `1${'0'.repeat(400)}`, '-0.001', '1.00000', '2.5e1']
const TENANT_TRICKS = ['globex', 'ACME', 'аcme', 'acme ', ' acme', 'acme/../globex', '../globex', 'acme%2F..%2Fglobex', 'acme\u0000', '', '-acme', 'a'.repeat(64), 'acme/', '*', 'acme\nglobex']
const ID_TRICKS = [
  '../../globex/Customer/0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001',
  '0193F6C2-8E1A-7C3D-9B2E-41F0A6D2C001',
  '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001.agi',
  '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001/../x',
  '%2e%2e%2f',
  'data/globex/Customer/0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001.agi',
  '00000000-0000-0000-0000-000000000000',
  '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c00',
  '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c0011',
  '０193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001',
  'intents/x.json',
  '*',
]
const STRING_TRICKS = [
  '\u0000',
  'a\u0000b',
  '\u0007\u001b[31mred',
  '\ud800',
  'x\udfffy',
  '\u2028\u2029',
  '\ufeff',
  '‮evil',
  '}\n}\nRECORD Customer x {',
  '<<<<<<< HEAD\n=======\n>>>>>>> theirs',
  '"',
  '\\',
  'Robert"); DROP TABLE',
  '🚀'.repeat(50),
  'NaN',
  'Infinity',
  'null',
  '1.005',
  '0x10',
  ' 12.50',
  '12.50 ',
  '1,000.00',
  '2026-02-30',
  '2026-13-01',
  '+02026-01-01',
  '2026-06-30T10:00:00+02:00',
  'USD\u0000',
]

const rawNumber = fc.constantFrom(...RAW_NUMBERS).map((raw) => `@@RAW(${raw})@@`)
const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 3, arbitrary: fc.constantFrom(...STRING_TRICKS, ...TENANT_TRICKS, ...ID_TRICKS) },
  // Short strings dense in control characters, lone surrogates and separators.
  { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom('\u0000', '\u0001', '\u0007', '\u001f', '\u007f', '\ud800', '\udfff', '\u2028', '\ufffe', 'é', 'a', ' '), maxLength: 8 }) },
  { weight: 1, arbitrary: fc.integer({ min: 2_000, max: 200_000 }).map((n) => 'x'.repeat(n)) },
)
const scalar = fc.oneof(
  { weight: 5, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 2, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: rawNumber },
  { weight: 1, arbitrary: fc.constantFrom(-1, 0, 1, 0.1, 0.005, 1e21, -1e21, 2 ** 53, 1e-7, 999_999_999_999.99) },
)
const deepValue = fc.integer({ min: 50, max: 5_000 }).map((depth) => `@@RAW(${'['.repeat(depth)}${']'.repeat(depth)})@@`)
const value = fc.oneof(
  { weight: 8, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom(...FIELD_NAMES, ...TRICKY_KEYS), scalar, { maxKeys: 4 }) },
  { weight: 1, arbitrary: deepValue },
)
const fieldName = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...FIELD_NAMES) }, { weight: 1, arbitrary: fc.constantFrom(...TRICKY_KEYS) }, { weight: 1, arbitrary: fc.string({ maxLength: 10 }) })

/** Arguments that would be valid, for the tools whose records the world has. */
function plausible(tool: string): Record<string, unknown> {
  const line = { description: 'Work', qty: 2, unit_price: '10.00' }
  const journal = [
    { account_code: '1000', debit: 10 },
    { account_code: '4000', credit: 10 },
  ]
  const table: Record<string, Record<string, unknown>> = {
    create_customer: { name: 'Fuzz Ltd', email: 'fuzz@example.com' },
    edit_customer: { id: world.customer, patch: { notes: 'fuzzed' } },
    delete_customer: { id: world.customer },
    read_customer: { id: world.customer },
    list_customers: { where: { name: 'Fuzz Ltd' }, limit: 5 },
    create_vendor: { name: 'Fuzz Supplies' },
    edit_vendor: { id: world.vendor, patch: { phone: '+1 555' } },
    delete_vendor: { id: world.vendor },
    create_account: { code: '6000', name: 'Fuzz', type: 'expense' },
    edit_account: { id: world.account, patch: { description: 'fuzzed' } },
    read_invoice: { id: world.invoice },
    edit_invoice: { id: world.invoice, patch: { notes: 'fuzzed' } },
    list_invoices: { where: { status: 'sent' } },
    create_invoice_with_lines: { customer_id: world.customer, lines: [line] },
    update_invoice_status: { invoice_id: world.invoice, status: 'sent' },
    record_payment: { invoice_id: world.sentInvoice, amount: '1.00' },
    create_journal_entry: { date: '2026-06-30', memo: 'Fuzz', lines: journal },
    reverse_journal_entry: { journal_entry_id: world.entry },
    trial_balance: { as_of: '2026-12-31' },
    account_ledger: { account_code: '1000', from: '2026-06-01', to: '2026-12-31' },
    aged_receivables: { as_of: '2026-12-31', limit: 10 },
  }
  return Object.hasOwn(table, tool) ? (table[tool] as Record<string, unknown>) : {}
}

const toolName = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...ALL_TOOL_NAMES) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'delete_invoice',
      'create_invoice',
      'CREATE_CUSTOMER',
      'create_customer ',
      'read_customer/../../data/globex',
      '..%2Fdata',
      '__proto__',
      'constructor',
      'toString',
      'create_customer%00',
      'edit_journal_entry',
      'list_customers?tenant=globex',
      'x'.repeat(5000),
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
)

/** Replaces one part of plausible arguments with something hostile (or adds or removes a field). */
type Mutation =
  | { kind: 'set'; path: string[]; value: unknown }
  | { kind: 'leaf'; pick: number; value: unknown }
  | { kind: 'drop'; name: string }
  | { kind: 'replace'; value: unknown }
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('leaf' as const), pick: fc.nat(), value }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('set' as const), path: fc.array(fieldName, { minLength: 1, maxLength: 3 }), value }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), name: fieldName }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replace' as const), value }) },
)

/** Paths to every scalar in `value` (`['patch', 'notes']`, `['lines', 0, 'qty']`). */
function leaves(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((item, index) => leaves(item, [...at, index]))
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([name, item]) => leaves(item, [...at, name]))
  return at.length === 0 ? [] : [at]
}

function mutate(args: Record<string, unknown>, change: Mutation): unknown {
  const copy = structuredClone(args) as Record<string, any>
  if (change.kind === 'replace') return change.value
  if (change.kind === 'leaf') {
    // One value of otherwise valid arguments made hostile: the call gets as deep into the handler as it can.
    const paths = leaves(copy)
    const path = paths[change.pick % Math.max(paths.length, 1)]
    if (path === undefined) return copy
    let target: any = copy
    for (const step of path.slice(0, -1)) target = target[step]
    target[path.at(-1) as string | number] = change.value
    return copy
  }
  if (change.kind === 'drop') {
    delete copy[change.name]
    return copy
  }
  let target: any = copy
  const path = change.path
  // Own properties only: `__proto__` and friends become plain keys of the body, never the prototypes of this isolate.
  const own = (object: object, name: string) => Object.getOwnPropertyDescriptor(object, name)?.value
  for (const name of path.slice(0, -1)) {
    if (typeof own(target, name) !== 'object' || own(target, name) === null) Object.defineProperty(target, name, { value: {}, enumerable: true, writable: true, configurable: true })
    target = own(target, name)
    if (Array.isArray(target)) target = target[0] ?? target
  }
  Object.defineProperty(target, path.at(-1) as string, { value: change.value, enumerable: true, writable: true, configurable: true })
  return copy
}

const RAW_BODIES = [
  '',
  ' ',
  'null',
  '[]',
  '"string"',
  '1e999',
  '-0',
  '{',
  '{"name": "Dup", "name": "Dup again"}',
  '\ufeff{"name": "BOM"}',
  '{"name": "\\ud800"}',
  '{"name": "\\u0000"}',
  '{"name": "a", "__proto__": {"tenant_id": "globex"}}',
  '{"__proto__": {"admin": true}, "name": "Proto"}',
  '{"constructor": {"prototype": {"x": 1}}}',
  `{"name": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
  `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`,
  '{"amount": 1e999, "invoice_id": "@@INVOICE@@"}',
  '{"amount": -0, "invoice_id": "@@INVOICE@@"}',
  '{"amount": 1.0e2, "invoice_id": "@@INVOICE@@"}',
  '{"name": "ok"}garbage',
  JSON.stringify({ name: 'y'.repeat(300 * 1024) }),
]

const body = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(toolName, mutation).map(([tool, change]) => ({ tool, text: () => toBody(mutate(plausible(tool), change)) })) },
  { weight: 2, arbitrary: fc.tuple(toolName, fc.dictionary(fieldName, value, { maxKeys: 6 })).map(([tool, args]) => ({ tool, text: () => toBody(args) })) },
  { weight: 1, arbitrary: fc.tuple(toolName, fc.jsonValue({ maxDepth: 3 })).map(([tool, args]) => ({ tool, text: () => toBody(args) })) },
  { weight: 1, arbitrary: fc.tuple(toolName, fc.constantFrom(...RAW_BODIES)).map(([tool, raw]) => ({ tool, text: () => raw.replaceAll('@@INVOICE@@', world.sentInvoice) })) },
  { weight: 1, arbitrary: fc.tuple(toolName, fc.uint8Array({ maxLength: 64 })).map(([tool, bytes]) => ({ tool, text: () => bytes as Uint8Array | string })) },
)

function toBody(args: unknown): string {
  return JSON.stringify(args).replace(/"@@RAW\((.*?)\)@@"/g, (_, raw: string) => raw)
}

const tokenKind = fc.oneof(
  { weight: 12, arbitrary: fc.constant('writer' as const) },
  { weight: 1, arbitrary: fc.constantFrom('reader', 'globex', 'narrow', 'forged', 'expired', 'none', 'badTenant', 'noExp') },
)
const headers = fc.record(
  {
    idempotency: fc.oneof(fc.constantFrom('key-1', 'key-2', 'fuzz key 3'), fc.string({ maxLength: 300 })),
    contentType: fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-16', 'text/html; charset=latin1', ''),
  },
  { requiredKeys: [] },
)

// ------------------------------------------------------------------------------------------ the property

const stats = { calls: 0, byStatus: {} as Record<number, number>, committed: 0, gets: 0 }
let snapshot: Listing

async function expectEnvelope(response: Response, what: string): Promise<any> {
  const text = await response.text()
  expect(response.status, `${what}: ${text.slice(0, 500)}`).toBeLessThan(500)
  if (response.status < 400) return response.headers.get('Content-Type')?.includes('json') ? JSON.parse(text) : text
  const parsed = JSON.parse(text)
  expect(Object.keys(parsed), what).toEqual(['error'])
  expect(typeof parsed.error.code, what).toBe('string')
  expect(typeof parsed.error.message, what).toBe('string')
  expect(Object.keys(parsed.error).every((key) => ['code', 'message', 'details'].includes(key)), what).toBe(true)
  return parsed
}

/** After a commit: exactly its entry and records changed, the entry passes the Action's gate, records read back as answered. */
async function checkCommitted(answer: any, before: Listing, after: Listing, what: string): Promise<void> {
  const { added, changed, removed } = diff(before, after)
  const entryKeys = added.filter((key) => key.startsWith('commits/'))
  expect(entryKeys, `${what}: one new entry`).toHaveLength(1)
  const entryKey = entryKeys[0] as string
  const text = await (await env.BUCKET.get(entryKey))!.text()
  const checked = await checkPendingEntry(entryKey, text, ERP_SCHEMA)
  expect(checked.ok ? 'ok' : checked.reason, `${what}: the Action would quarantine the entry`).toBe('ok')
  if (!checked.ok) return
  const entry = checked.entry
  expect(entry.oid, what).toBe(answer.commit.oid)
  const touched = new Set(entry.files.map((file) => file.path))
  for (const key of [...added, ...changed, ...removed]) {
    // Guards of UNIQUE values are derived data that move with their records, never part of the entry.
    if (key === entryKey || key.startsWith('idempotency/') || key.startsWith('unique/')) continue
    // Index entries are derived data too, each a copy of a record the entry wrote.
    if (key.startsWith('index/')) {
      const { tenant, entity, id } = parseIndexKey(key)
      expect(touched.has(recordKey(ERP_SCHEMA, tenant, entity, id)), `${what}: ${key} changed without its record`).toBe(true)
      continue
    }
    expect(touched.has(key), `${what}: ${key} changed outside the entry`).toBe(true)
  }
  for (const file of entry.files) {
    const stored = await env.BUCKET.get(file.path)
    if (file.op === 'delete') {
      expect(stored, `${what}: ${file.path} deleted`).toBeNull()
      continue
    }
    expect(await stored?.text(), `${what}: ${file.path} is the entry's content`).toBe(file.content)
    const { entity, id } = parseRecordKey(ERP_SCHEMA, file.path)
    const record = parseRecord(file.content, ERP_SCHEMA, { file: file.path, expect: { entity, id } }).record
    const shown = findRecord(answer, id)
    if (shown !== undefined) {
      const { version: _version, ...fields } = shown
      expect(recordToJson(ERP_SCHEMA.entities.get(entity)!, record), `${what}: ${file.path} reads back as answered`).toEqual(fields)
    }
  }
}

function findRecord(body: unknown, id: string): Record<string, unknown> | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  if (Array.isArray(body)) {
    for (const item of body) {
      const found = findRecord(item, id)
      if (found !== undefined) return found
    }
    return undefined
  }
  const record = body as Record<string, unknown>
  if (record.id === id && typeof record.version === 'string') return record
  for (const nested of Object.values(record)) {
    const found = findRecord(nested, id)
    if (found !== undefined) return found
  }
  return undefined
}

/** Rejected or read-only: the bucket is as it was, but for the release of an `Idempotency-Key` claim. */
async function checkUnchanged(before: Listing, after: Listing, sentKey: boolean, what: string): Promise<void> {
  const { added, changed, removed } = diff(before, after)
  const outside = [...added, ...changed, ...removed].filter((key) => !(sentKey && key.startsWith('idempotency/')))
  expect(outside, `${what}: a call that committed nothing wrote to the bucket`).toEqual([])
  for (const key of [...added, ...changed]) {
    if (!key.startsWith('idempotency/')) continue
    const stored = JSON.parse(await (await env.BUCKET.get(key))!.text())
    // A failed call releases its claim (an expired claim); a no-op write keeps its answer for replays.
    expect(stored.state === 'answered' || stored.at_ms === 0, `${what}: ${key} is a released claim or an answer`).toBe(true)
  }
}

describe('hostile input', () => {
  beforeAll(async () => {
    await reset()
    const writer = await tokenFor()
    const call = async (tool: string, args: unknown, token = writer) => {
      const response = await exports.default.fetch(
        new Request(`${ORIGIN}/tools/${tool}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(args) }),
      )
      const parsed = (await response.json()) as any
      if (response.status !== 200) throw new Error(`${tool}: ${JSON.stringify(parsed)}`)
      return parsed
    }
    const customer = (await call('create_customer', { name: 'Target Ltd' })).customer.id
    const lines = [{ description: 'Work', unit_price: '1000.00' }]
    const invoice = (await call('create_invoice_with_lines', { customer_id: customer, lines })).invoice.id
    const sentInvoice = (await call('create_invoice_with_lines', { customer_id: customer, lines })).invoice.id
    await call('update_invoice_status', { invoice_id: sentInvoice, status: 'sent' })
    await call('create_account', { code: '1000', name: 'Cash', type: 'asset' })
    const account = (await call('create_account', { code: '4000', name: 'Sales', type: 'income' })).account.id
    const entry = (await call('create_journal_entry', { date: '2026-06-30', memo: 'Seed', lines: [{ account_code: '1000', debit: 5 }, { account_code: '4000', credit: 5 }] })).journal_entry.id
    const vendor = (await call('create_vendor', { name: 'Vendor Ltd' })).vendor.id
    const globex = await tokenFor({ tenant: 'globex', sub: 'globex-bot', email: 'bot@globex.example' })
    const globexCustomer = (await call('create_customer', { name: 'Globex Secret' }, globex)).customer.id
    const claims = { sub: 'agent-7', name: 'Invoice Bot', email: 'bot@acme.example', tenant: 'acme', scope: 'write', exp: Math.floor(Date.now() / 1000) + 3600 }
    const b64 = (value: unknown) => btoa(JSON.stringify(value)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
    world = {
      customer,
      invoice,
      sentInvoice,
      entry,
      vendor,
      account,
      globexCustomer,
      tokens: {
        writer,
        reader: await tokenFor({ scope: 'read' }),
        globex,
        narrow: await tokenFor({ tools: ['read_customer', 'create_vendor'] }),
        forged: await tokenFor({}, { secret: 'somebody-elses-secret' }),
        expired: await sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 }, 'test-secret-current', 'HS256'),
        none: `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
        badTenant: await sign({ ...claims, tenant: '../globex' }, 'test-secret-current', 'HS256'),
        noExp: await sign({ ...claims, exp: undefined }, 'test-secret-current', 'HS256'),
      },
    }
    await settle()
    snapshot = await listing()
  }, 60_000)

  afterAll(async () => {
    console.log(`[invariants] hostile input report: ${JSON.stringify({ seed: SEED, ...stats })}`)
    await settle()
    await reset()
  })

  it(`${CALLS} generated tool calls: never a 5xx, always the envelope, never a write unless committed`, async () => {
    await fc.assert(
      fc.asyncProperty(body, tokenKind, headers, fc.boolean(), async (call, kind, extra, encodeName) => {
        const text = call.text()
        const requestHeaders: Record<string, string> = {}
        if (extra.contentType !== undefined && extra.contentType !== '') requestHeaders['Content-Type'] = extra.contentType
        else requestHeaders['Content-Type'] = 'application/json'
        if (kind !== 'none') requestHeaders.Authorization = `Bearer ${world.tokens[kind]}`
        let sentKey = false
        if (extra.idempotency !== undefined) {
          requestHeaders['Idempotency-Key'] = extra.idempotency
          sentKey = true
        }
        const name = encodeName ? encodeURIComponent(call.tool) : call.tool
        let request: Request
        try {
          request = new Request(`${ORIGIN}/tools/${name}`, { method: 'POST', headers: requestHeaders, body: text })
        } catch {
          // A header value no HTTP client could send (control characters): nothing to test.
          return
        }
        stats.calls += 1
        const what = `POST /tools/${name.slice(0, 60)} with ${kind} token: ${String(typeof text === 'string' ? text : `<${text.length} bytes>`).slice(0, 300)}`
        const response = await exports.default.fetch(request)
        stats.byStatus[response.status] = (stats.byStatus[response.status] ?? 0) + 1
        const parsed = await expectEnvelope(response, what)
        // Judged by the answer, not by the name sent: a URL parser may have trimmed the name into a real tool's.
        const committed = response.status === 200 && typeof parsed?.commit?.oid === 'string' && response.headers.get('Idempotent-Replay') !== 'true'
        if (committed) expect(isWriteTool(decodeURIComponent(new URL(request.url).pathname.slice('/tools/'.length))), what).toBe(true)
        if (committed) await settle()
        const after = await listing()
        if (committed) {
          stats.committed += 1
          await checkCommitted(parsed, snapshot, after, what)
        } else {
          await checkUnchanged(snapshot, after, sentKey, what)
        }
        snapshot = after
      }),
      { seed: SEED, numRuns: CALLS, endOnFailure: true },
    )
    expect(stats.calls).toBeGreaterThanOrEqual(CALLS * 0.98)
  }, 600_000)

  it(`${GETS} generated reads of /data, /activity and /tools: never a 5xx, nothing of globex, no write`, async () => {
    const segment = fc.oneof(fc.constantFrom('acme', 'globex', 'Customer', 'customer', 'Invoice', '..', '.', '%2e%2e', '%2F', 'acme%2F..%2Fglobex', `${world.customer}.agi`, `${world.globexCustomer}.agi`, world.customer, 'x.agi', '', '%00', 'аcme'), fc.string({ maxLength: 12 }).map(encodeURIComponent))
    const path = fc.oneof(
      fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => `/data/${parts.join('/')}`),
      fc.tuple(fc.oneof(fc.constantFrom('', '0', '1', '100', '101', '-1', '1e2', '50.5', 'abc'), fc.string({ maxLength: 8 })), fc.oneof(fc.constant(''), fc.string({ maxLength: 40 }), fc.base64String({ maxLength: 60 }))).map(
        ([limit, cursor]) => `/activity?limit=${encodeURIComponent(limit)}&cursor=${encodeURIComponent(cursor)}`,
      ),
      fc.oneof(fc.constantFrom('openai', 'anthropic', 'mcp', 'yaml', '', '__proto__'), fc.string({ maxLength: 10 })).map((format) => `/tools?format=${encodeURIComponent(format)}`),
    )
    await fc.assert(
      fc.asyncProperty(path, tokenKind, async (target, kind) => {
        stats.gets += 1
        const headers: Record<string, string> = {}
        if (kind !== 'none') headers.Authorization = `Bearer ${world.tokens[kind]}`
        const response = await exports.default.fetch(new Request(`${ORIGIN}${target}`, { headers }))
        const text = await response.clone().text()
        await expectEnvelope(response, `GET ${target} with ${kind}`)
        if (kind !== 'globex') expect(text, `GET ${target} leaked globex`).not.toContain('Globex Secret')
        const after = await listing()
        await checkUnchanged(snapshot, after, false, `GET ${target}`)
      }),
      { seed: SEED + 1, numRuns: GETS, endOnFailure: true },
    )
  }, 300_000)
})
