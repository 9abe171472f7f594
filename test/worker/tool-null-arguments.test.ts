import { reset } from 'cloudflare:test'
import { afterAll, describe, expect, it } from 'vitest'
import { TOOLS } from '../../worker/tools/catalogue.ts'
import { callTool, get, settle } from './support/api.ts'
import { mcpToolCall } from './support/mcp-call.ts'
import { freshContext, TOOL_FIXTURES } from './support/tool-fixtures.ts'

/**
 * OpenAI's strict mode has a model send every argument, `null` for an optional one it leaves out. So for every tool
 * and every optional argument (nested ones included, e.g. `where.status`, `lines[0].qty`), a call with `null` must
 * answer exactly what the call without the argument answers, over `POST /tools/<name>` and MCP `tools/call` alike.
 * The two calls run in two tenants that go through the same steps, so ids, versions and times are the only
 * differences (they are normalized away).
 */

type Path = (string | number)[]

afterAll(async () => {
  await settle()
  await reset()
})

const optionalByTool = new Map<string, { path: Path; given: boolean }[]>()

/** The optional arguments of a tool's schema, where its fixture's arguments reach (worked out once per tool). */
async function optionalArgumentsOf(tool: string): Promise<{ path: Path; given: boolean }[]> {
  let optional = optionalByTool.get(tool)
  if (optional === undefined) {
    const { tools } = (await (await get('/tools', { token: null })).json()) as { tools: any[] }
    const schema = tools.find((candidate) => candidate.name === tool)?.input_schema
    optional = optionalArguments(schema, await TOOL_FIXTURES[tool]!(await freshContext()))
    optionalByTool.set(tool, optional)
  }
  return optional
}

const objectOf = (node: any) => (node?.type === 'object' ? node : node?.anyOf?.find((branch: any) => branch.type === 'object'))
const itemsOf = (node: any) => (node?.type === 'array' ? node.items : node?.anyOf?.find((branch: any) => branch.type === 'array')?.items)
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** Every optional property the schema describes at `args` (and inside the values `args` gives), with whether it is given. */
function optionalArguments(schema: any, args: unknown, at: Path = []): { path: Path; given: boolean }[] {
  const found: { path: Path; given: boolean }[] = []
  const object = objectOf(schema)
  if (object !== undefined && isObject(args)) {
    const required = new Set(object.required ?? [])
    for (const [name, property] of Object.entries<any>(object.properties ?? {})) {
      const given = Object.hasOwn(args, name)
      if (!required.has(name)) found.push({ path: [...at, name], given })
      if (given) found.push(...optionalArguments(property, args[name], [...at, name]))
    }
  }
  const items = itemsOf(schema)
  if (items !== undefined && Array.isArray(args)) args.forEach((item, index) => found.push(...optionalArguments(items, item, [...at, index])))
  return found
}

/** A copy of `args` with the value at `path` set to `value`, or removed when `value` is undefined. */
function withAt(args: Record<string, unknown>, path: Path, value: unknown): Record<string, unknown> {
  const copy = structuredClone(args)
  let node: any = copy
  for (const step of path.slice(0, -1)) node = node[step]
  const last = path.at(-1)!
  if (value === undefined) delete node[last]
  else node[last] = value
  return copy
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g
const MINTED = new Set(['version', 'oid', 'created_at', 'updated_at'])

/** The answer with what differs between two tenants' runs (ids in order of appearance, versions, times, tenant) named instead. */
function normalized(answer: unknown, tenant: string): unknown {
  const ids = new Map<string, string>()
  const name = (id: string) => {
    if (!ids.has(id)) ids.set(id, `<id ${ids.size}>`)
    return ids.get(id)!
  }
  const walk = (value: unknown, key?: string): unknown => {
    if (typeof value === 'string') {
      if (key !== undefined && MINTED.has(key)) return `<${key}>`
      return value.replace(UUID, name).replaceAll(tenant, '<tenant>').replace(/\b[0-9a-f]{8}\b/g, '<short id>')
    }
    if (Array.isArray(value)) return value.map((item) => walk(item))
    if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([member, inner]) => [member, walk(inner, member)]))
    return value
  }
  return walk(answer)
}

type Transport = (token: string, tool: string, args: Record<string, unknown>) => Promise<{ ok: boolean; body: unknown }>

const overHttp: Transport = async (token, tool, args) => {
  const response = await callTool(tool, args, { token })
  return { ok: response.status === 200, body: { status: response.status, body: await response.json() } }
}

const overMcp: Transport = async (token, tool, args) => {
  const result = await mcpToolCall(token, tool, args)
  return { ok: result.isError !== true, body: result.structuredContent }
}

describe.each([
  ['POST /tools/<name>', overHttp],
  ['MCP tools/call', overMcp],
])('null for an optional argument is the argument left out, over %s', (_transport, call) => {
  it('covers every tool of the catalogue', () => {
    expect(Object.keys(TOOL_FIXTURES).sort()).toEqual(TOOLS.map((tool) => tool.name).sort())
  })

  it.each(TOOLS.map((tool) => tool.name))('%s', async (tool) => {
    const fixture = TOOL_FIXTURES[tool]!
    const optional = await optionalArgumentsOf(tool)
    // Every tool takes at least tenant_id as an optional argument.
    expect(optional.length).toBeGreaterThan(0)
    // Two tenants that go through the same steps, so their states stay alike: one leaves out, the other sends null.
    const left = await freshContext()
    const nulled = await freshContext()
    for (const { path, given } of optional) {
      const without = await call(left.token, tool, withAt(await fixture(left), path, undefined))
      const withNull = await call(nulled.token, tool, withAt(await fixture(nulled), path, null))
      const label = `${tool} ${path.join('.')}: null`
      // Leaving out an argument the fixture does not give is the fixture itself, which succeeds.
      if (!given) expect(without.ok, `${label} (left out: ${JSON.stringify(without.body)})`).toBe(true)
      expect(normalized(withNull.body, nulled.tenant), label).toEqual(normalized(without.body, left.tenant))
    }
    // Up to ~20 pairs of calls, each after its fixture's own writes.
  }, 180_000)
})
