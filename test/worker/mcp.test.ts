import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { env, exports } from 'cloudflare:workers'
import { reset } from 'cloudflare:test'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { IDEMPOTENCY_KEY_META, IDEMPOTENT_REPLAY_META } from '../../worker/mcp/idempotency-meta.ts'
import { MAX_BODY_BYTES } from '../../worker/http/body-limit.ts'
import { callTool, get, keysUnder, ORIGIN, pendingEntries, settle, textAt, tokenFor } from './support/api.ts'
import { appWithFailingReads, HIDDEN_CAUSE } from './support/failing-storage.ts'
import { closeMcpClients, connectMcp } from './support/mcp-client.ts'

const MCP_URL = new URL('/mcp', ORIGIN)

afterEach(async () => {
  await closeMcpClients()
  await settle()
  await reset()
})

async function call(client: Client, name: string, args: Record<string, unknown>, meta?: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool(meta === undefined ? { name, arguments: args } : { name, arguments: args, _meta: meta })) as CallToolResult
}

/** A successful call's structured result, after checking the text block says the same. */
function structured(result: CallToolResult): Record<string, any> {
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy()
  expect(result.content).toEqual([{ type: 'text', text: JSON.stringify(result.structuredContent) }])
  return result.structuredContent as Record<string, any>
}

/** A refused call's envelope, after checking it came back as a tool result with `isError`. */
function envelope(result: CallToolResult): { code: string; message: string; details?: any } {
  expect(result.isError).toBe(true)
  expect(result.content).toEqual([{ type: 'text', text: JSON.stringify(result.structuredContent) }])
  return (result.structuredContent as { error: { code: string; message: string; details?: any } }).error
}

function rawPost(body: string, headers: Record<string, string>): Promise<Response> {
  return exports.default.fetch(
    new Request(MCP_URL, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers }, body }),
  )
}

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'curl', version: '0' } },
})

describe('MCP over Streamable HTTP at /mcp', () => {
  it('introduces itself as a tools server', async () => {
    const client = await connectMcp()
    expect(client.getServerVersion()).toMatchObject({ name: 'accelerando', version: expect.any(String) })
    expect(client.getServerCapabilities()?.tools).toBeDefined()
    expect(client.getInstructions()).toContain(IDEMPOTENCY_KEY_META)
  })

  it('lists exactly the catalogue GET /tools lists, with the same schemas, titles and annotations', async () => {
    const client = await connectMcp()
    const { tools } = await client.listTools()
    const mcpListing = (await (await get('/tools?format=mcp', { token: null })).json()) as { tools: unknown[] }
    expect(tools).toEqual(mcpListing.tools)
    const native = ((await (await get('/tools', { token: null })).json()) as { tools: any[] }).tools
    expect(tools.map((tool) => tool.name)).toEqual(native.map((tool) => tool.name))
    expect(tools.map((tool) => tool.inputSchema)).toEqual(native.map((tool) => tool.input_schema))
    for (const tool of tools) {
      expect(tool.title, tool.name).toEqual(expect.any(String))
      expect(tool.annotations, tool.name).toEqual({ readOnlyHint: expect.any(Boolean), destructiveHint: expect.any(Boolean), idempotentHint: expect.any(Boolean) })
    }
  })

  it('create_customer: the body POST /tools answers, a commit oid, and the entry in the bucket authored by the token', async () => {
    const client = await connectMcp(await tokenFor({ name: 'MCP Agent', email: 'mcp@acme.example', sub: 'mcp-1' }))
    const out = structured(await call(client, 'create_customer', { name: 'Globe Corp', email: 'ap@globe.example' }))
    expect(out.customer).toMatchObject({ name: 'Globe Corp', email: 'ap@globe.example', tenant_id: 'acme', id: expect.any(String), version: expect.any(String) })
    expect(out.commit).toEqual({ oid: expect.any(String), status: 'pending' })
    expect(await textAt(`data/acme/Customer/${out.customer.id}.agi`)).toContain('"Globe Corp"')
    const entry = (await pendingEntries()).find((candidate) => candidate.oid === out.commit.oid)
    expect(entry).toMatchObject({ tenant: 'acme', author: { name: 'MCP Agent', email: 'mcp@acme.example' }, actor: 'mcp-1' })
    expect(entry!.files.map((file) => file.path)).toEqual([`data/acme/Customer/${out.customer.id}.agi`])
  })

  it('create_invoice_with_lines: the arithmetic, one entry of four files, and a readable result', async () => {
    const client = await connectMcp()
    const customer = structured(await call(client, 'create_customer', { name: 'Globe Corp' })).customer
    const out = structured(
      await call(client, 'create_invoice_with_lines', {
        customer_id: customer.id,
        lines: [
          { description: 'Consulting', qty: 10, unit_price: 150 },
          { description: 'Setup', unit_price: '350' },
          { description: 'Discount', qty: 1, unit_price: -100 },
        ],
      }),
    )
    expect(out.invoice).toMatchObject({ total: 1750, status: 'draft', amount_paid: 0, customer_id: customer.id, tenant_id: 'acme' })
    expect(out.lines.map((line: any) => line.line_total)).toEqual([1500, 350, -100])
    expect(out.commit).toEqual({ oid: expect.any(String), status: 'pending' })
    const entry = (await pendingEntries()).find((candidate) => candidate.oid === out.commit.oid)!
    expect(entry.message).toBe('create Invoice with 3 lines')
    expect(entry.files).toHaveLength(4)
    for (const file of entry.files) expect(file.op === 'put' && file.content).toBe(await textAt(file.path))
    const read = structured(await call(client, 'read_invoice', { id: out.invoice.id }))
    expect(read.invoice).toEqual(out.invoice)
  })

  it('an unbalanced journal entry is an isError result with 422 unbalanced, and writes nothing', async () => {
    const client = await connectMcp()
    structured(await call(client, 'create_account', { code: '1000', name: 'Cash', type: 'asset' }))
    structured(await call(client, 'create_account', { code: '4000', name: 'Sales', type: 'income' }))
    await settle()
    const before = await keysUnder('')
    const unbalanced = {
      date: '2026-06-30',
      memo: 'Typo',
      lines: [
        { account_code: '1000', debit: 100 },
        { account_code: '4000', credit: 99.99 },
      ],
    }
    const error = envelope(await call(client, 'create_journal_entry', unbalanced))
    expect(error.code).toBe('unbalanced')
    // The very envelope POST /tools answers with 422.
    const overHttp = await callTool('create_journal_entry', unbalanced)
    expect(overHttp.status).toBe(422)
    expect(await overHttp.json()).toEqual({ error })
    await settle()
    expect(await keysUnder('')).toEqual(before)
  })

  it('another tenant is an isError result with 403 forbidden, whether named in the arguments or nested', async () => {
    const client = await connectMcp()
    const error = envelope(await call(client, 'create_customer', { name: 'Intruder', tenant_id: 'globex' }))
    expect(error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('"globex"') })
    const overHttp = await callTool('create_customer', { name: 'Intruder', tenant_id: 'globex' })
    expect(overHttp.status).toBe(403)
    expect(await overHttp.json()).toEqual({ error })
    expect(envelope(await call(client, 'list_customers', { where: { tenant_id: 'globex' } })).code).toBe('forbidden')
    expect(await keysUnder('data/')).toEqual([])
    expect(await keysUnder('commits/')).toEqual([])
  })

  it('the token still rules: read scope, allow-lists, unknown tools and bad arguments are isError results', async () => {
    const reader = await connectMcp(await tokenFor({ scope: 'read' }))
    expect(envelope(await call(reader, 'create_customer', { name: 'X' })).code).toBe('forbidden')
    structured(await call(reader, 'list_customers', {}))
    const narrow = await connectMcp(await tokenFor({ tools: ['list_customers'] }))
    expect(envelope(await call(narrow, 'read_customer', { id: 'x' })).code).toBe('forbidden')
    const client = await connectMcp()
    expect(envelope(await call(client, 'delete_invoice', { id: 'x' }))).toMatchObject({ code: 'not_found', message: expect.stringContaining('CRUD') })
    const invalid = envelope(await call(client, 'create_customer', { name: 'X', colour: 'blue' }))
    expect(invalid.code).toBe('invalid_input')
    expect(invalid.details.issues).toEqual([expect.objectContaining({ path: [] })])
    expect(await keysUnder('data/')).toEqual([])
  })

  it('an unexpected fault is an isError result with 500 internal and the request id, logged, its cause not shown', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const app = appWithFailingReads()
    let lastRequestId: string | null = null
    const client = await connectMcp(null, async (request) => {
      const response = await app.fetch(request, env)
      lastRequestId = response.headers.get('X-Request-Id')
      return response
    })
    const error = envelope(await call(client, 'read_customer', { id: '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001' }))
    expect(error).toMatchObject({ code: 'internal', details: { request_id: lastRequestId } })
    expect(error.message).not.toContain(HIDDEN_CAUSE)
    expect(logged.mock.calls.map((args) => String(args[0]))).toContainEqual(expect.stringContaining(error.details.request_id))
    logged.mockRestore()
  })

  it('a tool whose arguments are all optional may be called without any', async () => {
    const client = await connectMcp()
    expect(structured(await client.callTool({ name: 'list_customers' }) as CallToolResult)).toEqual({ customers: [], next_cursor: null })
  })

  it(`honours an idempotency key in _meta["${IDEMPOTENCY_KEY_META}"]: a repeat is replayed and writes once`, async () => {
    const client = await connectMcp()
    const meta = { [IDEMPOTENCY_KEY_META]: 'customer-globe-1' }
    const first = await call(client, 'create_customer', { name: 'Globe Corp' }, meta)
    const again = await call(client, 'create_customer', { name: 'Globe Corp' }, meta)
    expect(first._meta?.[IDEMPOTENT_REPLAY_META]).toBeUndefined()
    expect(again._meta?.[IDEMPOTENT_REPLAY_META]).toBe(true)
    expect(structured(again)).toEqual(structured(first))
    expect(await keysUnder('data/acme/Customer/')).toHaveLength(1)
    expect(envelope(await call(client, 'create_customer', { name: 'Other' }, meta)).code).toBe('idempotency_mismatch')
    expect(envelope(await call(client, 'create_customer', { name: 'Other' }, { [IDEMPOTENCY_KEY_META]: 42 })).code).toBe('invalid_input')
    expect(envelope(await call(client, 'create_customer', { name: 'Other' }, { [IDEMPOTENCY_KEY_META]: '' })).code).toBe('invalid_input')
    expect(await keysUnder('data/acme/Customer/')).toHaveLength(1)
  })

  it('without a token, or with a forged one, answers 401 at the HTTP level with the envelope', async () => {
    const missing = await rawPost(INITIALIZE, {})
    expect(missing.status).toBe(401)
    expect(missing.headers.get('WWW-Authenticate')).toBe('Bearer')
    expect(await missing.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } })
    const forged = await rawPost(INITIALIZE, { Authorization: `Bearer ${await tokenFor({}, { secret: 'not-the-secret' })}` })
    expect(forged.status).toBe(401)
    expect(((await forged.json()) as any).error.code).toBe('unauthorized')
    await expect(connectMcp(`${await tokenFor()}x`)).rejects.toThrow(/401|unauthori[sz]ed/i)
  })

  it('answers one JSON document per POST and keeps no session', async () => {
    const response = await rawPost(INITIALIZE, { Authorization: `Bearer ${await tokenFor()}` })
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toContain('application/json')
    expect(response.headers.get('Mcp-Session-Id')).toBeNull()
    expect(response.headers.get('X-Request-Id')).toEqual(expect.any(String))
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', id: 1, result: { serverInfo: { name: 'accelerando' } } })
  })

  it('offers no GET stream and no DELETE: 405 with Allow: POST', async () => {
    const token = await tokenFor()
    for (const method of ['GET', 'DELETE']) {
      const response = await exports.default.fetch(new Request(MCP_URL, { method, headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' } }))
      expect(response.status, method).toBe(405)
      expect(response.headers.get('Allow')).toBe('POST')
      expect(((await response.json()) as any).error.code).toBe('method_not_allowed')
    }
  })

  it('refuses a body over the limit with 413 before reading it', async () => {
    const response = await rawPost(' '.repeat(MAX_BODY_BYTES + 1), { Authorization: `Bearer ${await tokenFor()}` })
    expect(response.status).toBe(413)
    expect(((await response.json()) as any).error.code).toBe('too_large')
  })
})
