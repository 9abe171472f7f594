import { Validator } from '@cfworker/json-schema'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js'
import { CfWorkerJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/cfworker'
import { exports } from 'cloudflare:workers'
import { reset } from 'cloudflare:test'
import { afterAll, describe, expect, it } from 'vitest'
import { TOOLS } from '../../worker/tools/catalogue.ts'
import { ORIGIN, settle, tokenFor } from './support/api.ts'
import { freshContext, TOOL_FIXTURES, type FixtureContext } from './support/tool-fixtures.ts'

/**
 * MCP `tools/list` declares an `outputSchema` for every tool, and every result's `structuredContent` — the answer
 * of a successful call and the error envelope of a refused one — validates against it. Checked with a JSON Schema
 * validator of its own (@cfworker/json-schema, 2020-12, all errors reported), and by the SDK client, which
 * validates `structuredContent` against the listed `outputSchema` on every `callTool` after `listTools`.
 */

afterAll(async () => {
  await settle()
  await reset()
})

const UNKNOWN_ID = '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001'

async function connect(token: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', ORIGIN), {
    fetch: (url, init) => exports.default.fetch(new Request(url, init)),
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  })
  // Like the server, the client must not use its default validator (ajv) under workerd.
  const client = new Client({ name: 'accelerando-test', version: '1.0.0' }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() })
  await client.connect(transport)
  return client
}

/**
 * Refusals beyond the ones every tool has (bad arguments, another tenant): a domain rule, a missing record, a stale
 * version, each with the details its envelope carries.
 */
const REFUSALS: Record<string, (context: FixtureContext) => Promise<{ args: Record<string, unknown>; code: string }>> = {
  read_customer: async () => ({ args: { id: UNKNOWN_ID }, code: 'not_found' }),
  account_ledger: async (c) => (await c.books(), { args: { account_code: '9999' }, code: 'not_found' }),
  edit_customer: async (c) => ({ args: { ...(await TOOL_FIXTURES.edit_customer!(c)), expected_version: 'stale' }, code: 'conflict' }),
  delete_customer: async (c) => {
    const { customer } = await c.books()
    return { args: { id: customer.id }, code: 'referenced' }
  },
  create_account: async (c) => {
    await c.books()
    return { args: { code: '1000', name: 'Cash again', type: 'asset' }, code: 'duplicate_account_code' }
  },
  edit_invoice: async (c) => ({ args: { id: (await c.books()).invoice.id, patch: { currency: 'EUR' } }, code: 'invoice_issued' }),
  create_invoice_with_lines: async () => ({ args: { customer_id: UNKNOWN_ID, lines: [{ description: 'x', unit_price: 1 }] }, code: 'unknown_reference' }),
  update_invoice_status: async (c) => ({ args: { invoice_id: (await c.books()).invoice.id, status: 'draft' }, code: 'invalid_transition' }),
  record_payment: async (c) => ({ args: { invoice_id: (await c.books()).invoice.id, amount: 1_000_000 }, code: 'overpayment' }),
  create_journal_entry: async (c) => {
    await c.books()
    const lines = [
      { account_code: '1000', debit: 100 },
      { account_code: '1200', credit: 99.99 },
    ]
    return { args: { date: '2026-06-30', memo: 'Typo', lines }, code: 'unbalanced' }
  },
  reverse_journal_entry: async (c) => {
    const args = await TOOL_FIXTURES.reverse_journal_entry!(c)
    return { args: { ...args, date: '2000-01-01' }, code: 'invalid_date' }
  },
}

describe('MCP outputSchema', () => {
  it('is declared for every tool: an object schema admitting the answer or the error envelope', async () => {
    const client = await connect(await tokenFor())
    const { tools } = await client.listTools()
    expect(tools.map((tool) => tool.name)).toEqual(TOOLS.map((tool) => tool.name))
    for (const tool of tools) {
      expect(tool.outputSchema?.type, tool.name).toBe('object')
      // A schema that takes anything would pass every check below.
      expect(new Validator(tool.outputSchema as any, '2020-12').validate({}).valid, tool.name).toBe(false)
      expect(new Validator(tool.outputSchema as any, '2020-12').validate({ error: { code: 'not_found', message: 'x' } }).valid, tool.name).toBe(true)
    }
    await client.close()
  })

  it.each(TOOLS.map((tool) => tool.name))('%s: its answers and its refusals validate against it', async (name) => {
    const context = await freshContext()
    const client = await connect(context.token)
    const tool = (await client.listTools()).tools.find((candidate) => candidate.name === name) as Tool
    const validator = new Validator(tool.outputSchema as any, '2020-12', false)
    const check = (result: CallToolResult, label: string) => {
      const outcome = validator.validate(result.structuredContent)
      expect(outcome.errors.map((error) => `${error.instanceLocation}: ${error.error}`), `${name} ${label}: ${JSON.stringify(result.structuredContent)}`).toEqual([])
      expect(result.content).toEqual([{ type: 'text', text: JSON.stringify(result.structuredContent) }])
    }
    const call = async (args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult

    const args = await TOOL_FIXTURES[name]!(context)
    const answer = await call(args)
    expect(answer.isError, JSON.stringify(answer.structuredContent)).toBeFalsy()
    expect(answer.structuredContent).not.toHaveProperty('error')
    check(answer, 'answer')

    const refusals: { args: Record<string, unknown>; code: string }[] = [
      { args: { ...args, unexpected_argument: 1 }, code: 'invalid_input' },
      { args: { ...args, tenant_id: 'globex' }, code: 'forbidden' },
    ]
    const specific = REFUSALS[name]
    if (specific !== undefined) refusals.push(await specific(context))
    for (const refusal of refusals) {
      const result = await call(refusal.args)
      expect(result.isError, `${name} ${refusal.code}`).toBe(true)
      expect((result.structuredContent as any).error.code).toBe(refusal.code)
      check(result, refusal.code)
    }
    await client.close()
  })
})
