import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { env, exports } from 'cloudflare:workers'
import { reset } from 'cloudflare:test'
import { afterEach, describe, expect, it } from 'vitest'
import { entrySummaryMetadata } from '../../shared/entry-metadata.ts'
import { CountingObjectStore } from '../../shared/object-store/counting-store.ts'
import { ERP_SCHEMA } from '../../shared/schema/index.ts'
import { createApp } from '../../worker/app.ts'
import { RESOURCE_NOT_FOUND, RESOURCES_PAGE_ENTRIES } from '../../worker/mcp/resources.ts'
import { R2ObjectStore } from '../../worker/r2-object-store.ts'
import { syncedCustomerEntry } from '../support/synced-entry.ts'
import { get, ORIGIN, settle, textAt, tokenFor } from './support/api.ts'
import { seed } from './support/seed.ts'
import { closeMcpClients, connectMcp } from './support/mcp-client.ts'

afterEach(async () => {
  await closeMcpClients()
  await settle()
  await reset()
})

async function created(client: Client, name: string, args: Record<string, unknown>): Promise<Record<string, any>> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy()
  return result.structuredContent as Record<string, any>
}

/** The JSON-RPC error a request was refused with: its code, and the error envelope's code in `data`. */
async function refusal(request: Promise<unknown>): Promise<{ code: number; envelope: string; message: string }> {
  const error = await request.then(
    () => null,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(McpError)
  const { code, data, message } = error as McpError
  return { code, envelope: (data as { code: string }).code, message }
}

describe('records as MCP resources', () => {
  it('advertises resources and one template per entity, for the token tenant', async () => {
    const client = await connectMcp()
    expect(client.getServerCapabilities()?.resources).toBeDefined()
    const { resourceTemplates } = await client.listResourceTemplates()
    expect(resourceTemplates.map((template) => template.uriTemplate)).toEqual([...ERP_SCHEMA.entities.keys()].map((entity) => `accelerando://acme/${entity}/{id}`))
    for (const template of resourceTemplates) expect(template.description, template.name).toEqual(expect.any(String))
    const globex = await connectMcp(await tokenFor({ tenant: 'globex' }))
    expect((await globex.listResourceTemplates()).resourceTemplates[0]!.uriTemplate).toMatch(/^accelerando:\/\/globex\//)
  })

  it('reads a record as its .agi text and its JSON, the very ones /data and read_<entity> answer', async () => {
    const client = await connectMcp()
    const { customer } = await created(client, 'create_customer', { name: 'Globe Corp', email: 'ap@globe.example' })
    await settle()
    const uri = `accelerando://acme/Customer/${customer.id}`
    const { contents } = await client.readResource({ uri })
    expect(contents.map((content) => [content.uri, content.mimeType])).toEqual([
      [uri, 'text/plain'],
      [uri, 'application/json'],
    ])
    const text = (contents[0] as { text: string }).text
    expect(text).toBe(await textAt(`data/acme/Customer/${customer.id}.agi`))
    expect(text).toBe(await (await get(`/data/acme/Customer/${customer.id}.agi`)).text())
    const read = await created(client, 'read_customer', { id: customer.id })
    expect(JSON.parse((contents[1] as { text: string }).text)).toEqual(read.customer)
  })

  it("a missing record, another tenant's record or a foreign URI is a JSON-RPC error, never data", async () => {
    const theirs = await seed('Customer', { name: 'Globex Secret' }, 'globex')
    const client = await connectMcp()
    const asked = async (uri: string) => refusal(client.readResource({ uri }))
    expect(await asked(`accelerando://globex/Customer/${theirs.id}`)).toMatchObject({ code: -32602, envelope: 'forbidden' })
    // Their id under our tenant is simply a record we do not have.
    expect(await asked(`accelerando://acme/Customer/${theirs.id}`)).toMatchObject({ code: RESOURCE_NOT_FOUND, envelope: 'not_found' })
    expect(await asked('accelerando://acme/Customer/0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001')).toMatchObject({ code: RESOURCE_NOT_FOUND, envelope: 'not_found' })
    expect(await asked('test://static-text')).toMatchObject({ code: RESOURCE_NOT_FOUND, envelope: 'not_found' })
    expect(await asked('accelerando://acme/Customer/../../globex/Customer/x')).toMatchObject({ code: RESOURCE_NOT_FOUND })
    expect(await asked(`accelerando://acme/Nothing/${theirs.id}`)).toMatchObject({ code: -32602, envelope: 'invalid_input' })
    expect(await asked('accelerando://acme/Customer/not-an-id')).toMatchObject({ code: -32602, envelope: 'invalid_input' })
    for (const refused of await Promise.all([`accelerando://globex/Customer/${theirs.id}`, `accelerando://acme/Customer/${theirs.id}`].map(asked))) {
      expect(refused.message).not.toContain('Globex Secret')
    }
  })

  it('follows the token rules of /data: any scope reads, a tool allow-list does not', async () => {
    const writer = await connectMcp()
    const { customer } = await created(writer, 'create_customer', { name: 'Globe Corp' })
    const uri = `accelerando://acme/Customer/${customer.id}`
    const reader = await connectMcp(await tokenFor({ scope: 'read' }))
    expect((await reader.readResource({ uri })).contents).toHaveLength(2)
    expect((await reader.listResources()).resources.map((resource) => resource.uri)).toContain(uri)
    const confined = await connectMcp(await tokenFor({ tools: ['read_customer'] }))
    for (const request of [confined.readResource({ uri }), confined.listResources(), confined.listResourceTemplates()]) {
      expect(await refusal(request)).toMatchObject({ code: -32602, envelope: 'forbidden' })
    }
    // The confined token still reads through its tool.
    expect(((await confined.callTool({ name: 'read_customer', arguments: { id: customer.id } })) as CallToolResult).isError).toBeFalsy()
  })

  it("lists the activity feed, then the tenant's records, most recently changed first, each once", async () => {
    await seed('Customer', { name: 'Other Tenant' }, 'globex')
    const client = await connectMcp()
    const ids: string[] = []
    for (const name of ['A', 'B', 'C']) ids.push((await created(client, 'create_customer', { name })).customer.id)
    await created(client, 'edit_customer', { id: ids[0], patch: { email: 'a@example.com' } })
    await settle()
    const { resources, nextCursor } = await client.listResources()
    expect(nextCursor).toBeUndefined()
    expect(resources.map((resource) => resource.uri)).toEqual([
      'accelerando://acme/activity',
      ...[ids[0], ids[2], ids[1]].map((id) => `accelerando://acme/Customer/${id}`),
    ])
    for (const resource of resources) expect(resource.name, resource.uri).toEqual(expect.any(String))
    expect(resources[1]!.description).toContain(`edit Customer ${ids[0]!.slice(0, 8)}`)
  })

  it('serves the activity feed as accelerando://<tenant>/activity, as GET /activity answers it', async () => {
    const client = await connectMcp()
    await created(client, 'create_customer', { name: 'Globe Corp' })
    await settle()
    const { contents } = await client.readResource({ uri: 'accelerando://acme/activity' })
    expect(contents).toHaveLength(1)
    expect(contents[0]!.mimeType).toBe('application/json')
    const feed = JSON.parse((contents[0] as { text: string }).text)
    expect(feed.entries).toHaveLength(1)
    expect(feed).toEqual(await (await get('/activity')).json())
  })
})

describe('resources/list over a long history', () => {
  const HISTORY = RESOURCES_PAGE_ENTRIES * 2 + 20
  const BASE_MS = Date.parse('2026-01-01T00:00:00.000Z')

  it(`pages through ${HISTORY} commits newest first with MCP's cursor, at most 2 storage calls a page`, async () => {
    const planted = await Promise.all(Array.from({ length: HISTORY }, (_, i) => syncedCustomerEntry('acme', BASE_MS + i * 1000)))
    await Promise.all(
      planted.map(({ key, entry }) =>
        env.BUCKET.put(key, JSON.stringify(entry), { customMetadata: entrySummaryMetadata(entry, { commit_sha: entry.commit_sha, repository: entry.repository }) }),
      ),
    )
    const counting = new CountingObjectStore(new R2ObjectStore(env.BUCKET))
    const app = createApp({ objects: () => counting })
    const client = await connectMcp(null, async (request) => app.fetch(request, env))

    const listed: string[] = []
    let cursor: string | undefined
    let pages = 0
    do {
      counting.reset()
      const page = await client.listResources(cursor === undefined ? {} : { cursor })
      const counts = counting.counts()
      expect(counts.list + counts.get, `page ${pages}`).toBeLessThanOrEqual(2)
      expect(counts.get).toBe(0)
      listed.push(...page.resources.map((resource) => resource.uri))
      cursor = page.nextCursor
      pages += 1
    } while (cursor !== undefined)

    expect(pages).toBe(Math.ceil(HISTORY / RESOURCES_PAGE_ENTRIES))
    const newestFirst = planted.map(({ entry }) => entry.paths[0]!.replace(/^data\/acme\/Customer\/(.+)\.agi$/, 'accelerando://acme/Customer/$1')).reverse()
    expect(listed).toEqual(['accelerando://acme/activity', ...newestFirst])
    expect(await refusal(client.listResources({ cursor: 'not-a-cursor' }))).toMatchObject({ code: -32602, envelope: 'invalid_input' })
  }, 60_000)
})
