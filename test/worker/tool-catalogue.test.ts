import { describe, expect, it } from 'vitest'
import { TOOLS } from '../../worker/tools/catalogue.ts'
import { get } from './support/api.ts'

const GENERIC = [
  'list_customers', 'read_customer', 'create_customer', 'edit_customer', 'delete_customer',
  'list_vendors', 'read_vendor', 'create_vendor', 'edit_vendor', 'delete_vendor',
  'list_accounts', 'read_account', 'create_account', 'edit_account',
  'list_invoices', 'read_invoice', 'edit_invoice',
  'list_invoice_line_items', 'read_invoice_line_item',
  'list_payments', 'read_payment',
  'list_journal_entries', 'read_journal_entry',
  'list_journal_lines', 'read_journal_line',
]

async function listing(format?: string): Promise<any> {
  const response = await get(format === undefined ? '/tools' : `/tools?format=${format}`, { token: null })
  expect(response.status).toBe(200)
  return response.json()
}

describe('GET /tools', () => {
  it('lists exactly the generic tools the CRUD clauses allow, then the intent tools, each once', async () => {
    const { tools } = await listing()
    const names = tools.map((tool: any) => tool.name)
    expect(names.slice(0, GENERIC.length)).toEqual(GENERIC)
    expect(new Set(names).size).toBe(names.length)
    expect(names).toEqual(TOOLS.map((tool) => tool.name))
  })

  it('gives every tool a title, a description, annotations and a strict object schema', async () => {
    const { tools } = await listing()
    for (const tool of tools) {
      expect(tool.title, tool.name).toEqual(expect.any(String))
      expect(tool.description.length, tool.name).toBeGreaterThan(20)
      expect(Object.keys(tool.annotations).sort()).toEqual(['destructiveHint', 'idempotentHint', 'readOnlyHint'])
      expect(tool.input_schema.type, tool.name).toBe('object')
      expect(tool.input_schema.additionalProperties, `${tool.name} must reject unknown fields`).toBe(false)
    }
  })

  it('describes the generic schemas precisely', async () => {
    const byName = new Map((await listing()).tools.map((tool: any) => [tool.name, tool]))
    const create = byName.get('create_customer') as any
    expect(create.input_schema.required).toEqual(['name'])
    expect(Object.keys(create.input_schema.properties)).toEqual(['tenant_id', 'name', 'email', 'phone', 'address', 'tax_id', 'notes'])
    expect(create.annotations).toEqual({ readOnlyHint: false, destructiveHint: false, idempotentHint: false })
    const edit = byName.get('edit_invoice') as any
    expect(edit.input_schema.required).toEqual(['id', 'patch'])
    expect(Object.keys(edit.input_schema.properties.patch.properties)).not.toContain('status')
    expect(edit.input_schema.properties.patch.additionalProperties).toBe(false)
    const list = byName.get('list_invoices') as any
    expect(list.input_schema.properties.where.properties.status.enum).toEqual(['draft', 'sent', 'paid', 'void'])
    // Only indexed fields are filterable, and the schema and description say which.
    expect(Object.keys(list.input_schema.properties.where.properties)).toEqual(['tenant_id', 'customer_id', 'status'])
    expect(list.input_schema.properties.where.additionalProperties).toBe(false)
    expect(list.description).toContain('on indexed fields only: customer_id, status')
    const journal = byName.get('list_journal_entries') as any
    expect(journal.input_schema.properties.where.properties.date.anyOf).toHaveLength(2)
    expect(journal.description).toContain('inclusive range')
    expect(list.input_schema.properties.limit).toMatchObject({ type: 'integer', minimum: 1, maximum: 200 })
    expect((byName.get('delete_customer') as any).annotations).toEqual({ readOnlyHint: false, destructiveHint: true, idempotentHint: true })
    expect((byName.get('read_invoice') as any).annotations).toEqual({ readOnlyHint: true, destructiveHint: false, idempotentHint: true })
  })

  it('serves the OpenAI, Anthropic and MCP shapes from the same declarations', async () => {
    const native = (await listing()).tools
    const openai = await listing('openai')
    const responses = await listing('openai-responses')
    const anthropic = await listing('anthropic')
    const mcp = await listing('mcp')
    expect(openai).toHaveLength(native.length)
    native.forEach((tool: any, index: number) => {
      // OpenAI's strict schemas are checked rule by rule in tool-formats.test.ts.
      expect(openai[index]).toEqual({ type: 'function', function: { name: tool.name, description: tool.description, parameters: expect.any(Object), strict: true } })
      expect(responses[index]).toEqual({ type: 'function', name: tool.name, description: tool.description, parameters: openai[index].function.parameters, strict: true })
      expect(anthropic[index]).toEqual({ name: tool.name, description: tool.description, input_schema: tool.input_schema })
      expect(mcp.tools[index]).toEqual({
        name: tool.name,
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input_schema,
        outputSchema: tool.output_schema,
        annotations: tool.annotations,
      })
    })
  })

  it('refuses an unknown format with 400, naming the ones it serves', async () => {
    const response = await get('/tools?format=gemini', { token: null })
    expect(response.status).toBe(400)
    const body = (await response.json()) as any
    expect(body.error.code).toBe('invalid_input')
    expect(body.error.message).toContain('openai-responses')
  })
})
