/** Calling intent tools the way the platform does: input through the tool's zod schema, then its handler with a tenant-bound store. */
import { env } from 'cloudflare:workers'
import { expect } from 'vitest'
import { parseRecord, type AgiRecord } from '../../shared/agi/index.ts'
import { gitBlobSha } from '../../shared/blob-sha.ts'
import type { CommitEntry } from '../../shared/commit-entry.ts'
import { GitStore } from '../../shared/git-store/index.ts'
import type { ObjectStore } from '../../shared/object-store/object-store.ts'
import { ERP_SCHEMA } from '../../shared/schema/index.ts'
import { R2ObjectStore } from '../../worker/r2-object-store.ts'
import type { Caller } from '../../worker/auth/caller.ts'
import type { ToolContext, ToolDefinition } from '../../worker/tools/tool.ts'
import { keysUnder, pendingEntries } from '../contract/git-store-contract.ts'

export { keysUnder, pendingEntries }

export const caller: Caller = { sub: 'agent-7', name: 'Invoice Bot', email: 'bot@acme.example', tenant: 'acme', scope: 'write' }

/** A tool context for tenant acme on the workerd R2 bucket (or on `objects`, e.g. a hooked wrapper of it). */
export function intentContext<Objects extends ObjectStore = R2ObjectStore>(options: { now?: () => Date; objects?: Objects } = {}) {
  const objects = options.objects ?? (new R2ObjectStore(env.BUCKET) as ObjectStore as Objects)
  const store = new GitStore({
    objects,
    schema: ERP_SCHEMA,
    tenant: caller.tenant,
    author: { name: caller.name, email: caller.email },
    actor: caller.sub,
    now: options.now,
  })
  const ctx: ToolContext = { caller, store }
  return { objects, store, ctx }
}

/** Validates like the platform (with the tenant injected) and runs the handler; invalid input throws the zod issues. */
export async function call(tool: ToolDefinition, args: Record<string, unknown>, ctx: ToolContext): Promise<any> {
  const parsed = tool.input.safeParse({ tenant_id: ctx.caller.tenant, ...args })
  if (!parsed.success) throw new Error(`invalid input: ${JSON.stringify(parsed.error.issues)}`)
  return tool.handler(parsed.data, ctx)
}

/** The zod issues for `args` (what the platform answers 400 with), or undefined when they are valid. */
export function inputIssues(tool: ToolDefinition, args: Record<string, unknown>) {
  const parsed = tool.input.safeParse(args)
  return parsed.success ? undefined : parsed.error.issues
}

export async function seedCustomer(store: GitStore, name = 'Ada Lovelace'): Promise<string> {
  return (await store.create('Customer', { name })).stored.record.id
}

export const CHART: [code: string, name: string, type: string][] = [
  ['1000', 'Cash', 'asset'],
  ['1200', 'Accounts receivable', 'asset'],
  ['2000', 'Accounts payable', 'liability'],
  ['4000', 'Sales', 'income'],
  ['6100', 'Rent', 'expense'],
]

export async function seedChart(store: GitStore): Promise<void> {
  for (const [code, name, type] of CHART) await store.create('Account', { code, name, type })
}

/** The pending entry of one commit, checked against the bucket: every file's content is the stored record and hashes to its SHA. */
export async function entryOf(objects: ObjectStore, oid: string): Promise<CommitEntry> {
  const entry = (await pendingEntries(objects)).find((candidate) => candidate.oid === oid)
  if (entry === undefined) throw new Error(`no pending entry ${oid}`)
  expect(entry.author).toEqual({ name: caller.name, email: caller.email })
  expect(entry.tenant).toBe('acme')
  expect(entry.paths).toEqual(entry.files.map((file) => file.path))
  for (const file of entry.files) {
    if (file.op !== 'put') continue
    expect(file.sha).toBe(await gitBlobSha(file.content))
    expect((await objects.get(file.path))?.text).toBe(file.content)
  }
  return entry
}

/** Every record of tenant acme, parsed from the bucket. */
export async function allRecords(objects: ObjectStore): Promise<AgiRecord[]> {
  const keys = await keysUnder(objects, 'data/acme/')
  return Promise.all(
    keys.map(async (key) => parseRecord((await objects.get(key))?.text ?? '', ERP_SCHEMA, { file: key }).record),
  )
}

export async function storedText(objects: ObjectStore, entity: string, id: string): Promise<string | undefined> {
  return (await objects.get(`data/acme/${entity}/${id}.agi`))?.text
}
