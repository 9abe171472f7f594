/**
 * Records as MCP resources, so an agent can put a record into its context without a tool call:
 *
 *   accelerando://<tenant>/<Entity>/<id>   one record: its `.agi` text (text/plain) and its fields as JSON
 *   accelerando://<tenant>/activity         the newest commits, as `GET /activity` answers them
 *
 * The token rules of `GET /data` hold: the token's tenant only, any scope, and never for a token confined to a
 * tool allow-list (a record read this way is a raw read of the tenant's data).
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js'
import {
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ReadResourceRequestSchema,
  type ListResourcesResult,
  type ListResourceTemplatesResult,
  type ReadResourceResult,
  type Resource,
} from '@modelcontextprotocol/sdk/types.js'
import { NotFoundError } from '../../shared/errors.ts'
import { readCommitted } from '../../shared/git-store/index.ts'
import { parseStoredRecord } from '../../shared/git-store/record-io.ts'
import { parseRecordKeyWithoutSchema, recordKey } from '../../shared/keys.ts'
import { ERP_SCHEMA } from '../../shared/schema/index.ts'
import { readActivity, type ActivityEntry } from '../activity/activity-feed.ts'
import { errorEnvelope } from '../http/error-envelope.ts'
import { ForbiddenError } from '../http/http-errors.ts'
import { recordResponse } from '../tools/record-response.ts'
import type { McpCallContext } from './call-tool.ts'

export const RESOURCE_SCHEME = 'accelerando'

/** Commit entries walked per `resources/list` page: one page of the activity feed, so two list calls. */
export const RESOURCES_PAGE_ENTRIES = 50

/** MCP's code for a resource that does not exist (the specification's, not JSON-RPC's own). */
export const RESOURCE_NOT_FOUND = -32002

export function recordUri(tenant: string, entity: string, id: string): string {
  return `${RESOURCE_SCHEME}://${tenant}/${entity}/${id}`
}

export function activityUri(tenant: string): string {
  return `${RESOURCE_SCHEME}://${tenant}/activity`
}

/** Answers `resources/templates/list`, `resources/list` and `resources/read` for one authenticated request. */
export function registerResources(server: Server, context: McpCallContext): void {
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => answer(context, 'resources/templates/list', () => resourceTemplates(context)))
  server.setRequestHandler(ListResourcesRequestSchema, (request) => answer(context, 'resources/list', () => listResources(request.params?.cursor, context)))
  server.setRequestHandler(ReadResourceRequestSchema, (request) => answer(context, `resources/read ${request.params.uri}`, () => readResource(request.params.uri, context)))
}

/** One template per entity of the schema, for the token's tenant. */
export function resourceTemplates(context: McpCallContext): ListResourceTemplatesResult {
  const { tenant } = rawReadCaller(context)
  return {
    resourceTemplates: [...ERP_SCHEMA.entities.keys()].map((entity) => ({
      uriTemplate: `${RESOURCE_SCHEME}://${tenant}/${entity}/{id}`,
      name: entity,
      title: `${entity} record`,
      description: `One ${entity} of tenant ${tenant} by its id: the .agi text as it is in git (text/plain) and its fields as JSON (application/json).`,
    })),
  }
}

/**
 * The tenant's records, most recently changed first, and the activity feed ahead of them. R2 lists keys in
 * ascending order only and `data/` is in id (creation) order, so a newest-first walk of `data/` would cost the
 * whole history; the commit entries' keys carry inverted timestamps instead, so one activity page (one list of
 * `commits/<tenant>/`, one of `synced/<tenant>/`, paths from list metadata) gives the records its commits wrote,
 * whatever the history. Each record appears once per page, under its newest commit there; a record changed again
 * on a later page appears there too, and one deleted since may still be listed (reading it is resource-not-found).
 */
export async function listResources(cursor: string | undefined, context: McpCallContext): Promise<ListResourcesResult> {
  const { tenant } = rawReadCaller(context)
  const page = await readActivity(context.objects, tenant, { limit: RESOURCES_PAGE_ENTRIES, cursor })
  const resources: Resource[] = []
  if (cursor === undefined) {
    resources.push({
      uri: activityUri(tenant),
      name: 'activity',
      title: `Activity of ${tenant}`,
      description: `The newest commits of tenant ${tenant}, pending and synced, as GET /activity answers them.`,
      mimeType: 'application/json',
    })
  }
  const seen = new Set<string>()
  for (const entry of page.entries) {
    for (const path of entry.paths) {
      const resource = recordResource(path, tenant, entry)
      if (resource === null || seen.has(resource.uri)) continue
      seen.add(resource.uri)
      resources.push(resource)
    }
  }
  return page.next_cursor === null ? { resources } : { resources, nextCursor: page.next_cursor }
}

function recordResource(path: string, tenant: string, entry: ActivityEntry): Resource | null {
  let parts: ReturnType<typeof parseRecordKeyWithoutSchema>
  try {
    parts = parseRecordKeyWithoutSchema(path)
  } catch {
    return null
  }
  // An entity since removed from the schema has no template, and no reader.
  if (parts.tenant !== tenant || !ERP_SCHEMA.entities.has(parts.entity)) return null
  return {
    uri: recordUri(tenant, parts.entity, parts.id),
    name: `${parts.entity} ${parts.id}`,
    description: `Last changed by ${entry.author.name} at ${entry.ts}: ${entry.message}`,
  }
}

/** A record's committed text and its JSON, or the activity feed's newest page. */
export async function readResource(uri: string, context: McpCallContext): Promise<ReadResourceResult> {
  const { tenant } = rawReadCaller(context)
  const target = parseResourceUri(uri)
  if (target.tenant !== tenant) throw new ForbiddenError(`this token is for tenant "${tenant}"`)
  if (target.kind === 'activity') {
    const page = await readActivity(context.objects, tenant)
    return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(page) }] }
  }
  const key = recordKey(ERP_SCHEMA, tenant, target.entity, target.id)
  const object = await readCommitted(context.objects, key, tenant, () => Date.now(), { forWrite: false })
  if (object === null) throw new NotFoundError(`${target.entity} ${target.id} does not exist`)
  const stored = parseStoredRecord(ERP_SCHEMA, object, { entity: target.entity, id: target.id })
  return {
    contents: [
      { uri, mimeType: 'text/plain', text: object.text },
      { uri, mimeType: 'application/json', text: JSON.stringify(recordResponse(ERP_SCHEMA, stored)) },
    ],
  }
}

type ResourceTarget = { kind: 'activity'; tenant: string } | { kind: 'record'; tenant: string; entity: string; id: string }

/** Only the two shapes this server offers; segments are checked again when the key is built. */
function parseResourceUri(uri: string): ResourceTarget {
  const match = /^accelerando:\/\/([^/?#]+)\/([^/?#]+)(?:\/([^/?#]+))?$/.exec(uri)
  if (match !== null && match[3] === undefined && match[2] === 'activity') return { kind: 'activity', tenant: match[1]! }
  if (match !== null && match[3] !== undefined) return { kind: 'record', tenant: match[1]!, entity: match[2]!, id: match[3] }
  throw new NotFoundError(`no resource ${JSON.stringify(uri)}: this server has ${RESOURCE_SCHEME}://<tenant>/<Entity>/<id> and ${RESOURCE_SCHEME}://<tenant>/activity`)
}

/** The caller, once it is known not to be confined to a tool allow-list (the rule of `/data` and `/activity`). */
function rawReadCaller(context: McpCallContext): McpCallContext['caller'] {
  const { caller } = context
  if (caller.tools !== undefined) {
    throw new ForbiddenError(`this token is confined to its tools (${caller.tools.join(', ') || 'none'}); resources are not open to it`)
  }
  return caller
}

/**
 * Runs a resource request; a failure is a JSON-RPC error whose `data` is the envelope's error (the codes of the
 * HTTP API), so a missing record is never mistaken for an empty one.
 */
async function answer<T>(context: McpCallContext, operation: string, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    const envelope = errorEnvelope(error, context.requestId, `MCP ${operation}`)
    const { code, message } = envelope.body.error
    const rpcCode = code === 'not_found' ? RESOURCE_NOT_FOUND : envelope.status < 500 ? ErrorCode.InvalidParams : ErrorCode.InternalError
    throw new ResourceRequestError(rpcCode, message, envelope.body.error)
  }
}

/**
 * What the SDK turns into a JSON-RPC error: it reads `code`, `message` and `data` off whatever a handler throws.
 * Not the SDK's `McpError`, whose message already carries an "MCP error <code>:" prefix that clients add again.
 */
class ResourceRequestError extends Error {
  readonly code: number
  readonly data: unknown

  constructor(code: number, message: string, data: unknown) {
    super(message)
    this.code = code
    this.data = data
  }
}
