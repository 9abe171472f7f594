import { ValidationError } from '../../shared/errors.ts'
import { GitStore } from '../../shared/git-store/index.ts'
import type { ObjectStore } from '../../shared/object-store/object-store.ts'
import { ERP_SCHEMA } from '../../shared/schema/index.ts'
import { runIdempotently, type ToolAnswer } from './idempotency.ts'
import { withoutNullOptionals } from './null-as-absent.ts'
import { authorizeTool, scopeToTenant } from './tool-access.ts'
import { inputJsonSchema } from './tool-schemas.ts'
import type { Caller } from '../auth/caller.ts'
import type { ToolDefinition } from './tool.ts'

export interface ToolCall {
  tool: ToolDefinition
  /** The parsed JSON arguments, unchecked. */
  args: unknown
  caller: Caller
  objects: ObjectStore
  /** Work that may finish after the answer (`ctx.waitUntil`). */
  defer?: (work: Promise<unknown>) => void
  /** The `Idempotency-Key` header (or its MCP `_meta` counterpart); honoured on write tools. */
  idempotencyKey?: string
  /** Clock, id source and retry sleep; injectable so a simulation can replay a call exactly. */
  now?: () => Date
  newId?: () => string
  sleep?: (ms: number) => Promise<void>
}

/**
 * Runs one tool call the same way for every transport (`POST /tools/<name>` and MCP's `tools/call`): authorize
 * against the token, read `null` for an optional argument as absent, confine the arguments to its tenant, validate
 * them with the tool's schema, then run the handler against a store bound to the tenant with the caller as commit
 * author. Failures are thrown as `AccelerandoError`s.
 */
export async function invokeTool(call: ToolCall): Promise<ToolAnswer & { replayed: boolean }> {
  const { tool, caller } = call
  authorizeTool(tool, caller)
  // Before anything reads the arguments (tenant, validation, the idempotency fingerprint), so that a null for an
  // optional argument is in every respect the argument left out.
  const scoped = scopeToTenant(tool, withoutNullOptionals(inputJsonSchema(tool), call.args), caller)
  const parsed = tool.input.safeParse(scoped)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.map(pathSegment), message: issue.message }))
    const shown = issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(arguments)'}: ${issue.message}`)
    throw new ValidationError(`invalid arguments for ${tool.name}: ${shown.join('; ')}${issues.length > 5 ? '; …' : ''}`, issues)
  }
  const idempotent = tool.access === 'write' && call.idempotencyKey !== undefined
  const store = new GitStore({
    objects: call.objects,
    schema: ERP_SCHEMA,
    tenant: caller.tenant,
    author: { name: caller.name, email: caller.email },
    actor: caller.sub,
    defer: call.defer,
    now: call.now,
    newId: call.newId,
    sleep: call.sleep,
    // An idempotent call stores its answer before its commit point (see runIdempotently).
    holdCommit: idempotent,
  })
  const run = async (): Promise<ToolAnswer> => ({ status: 200, body: await tool.handler(parsed.data, { caller, store }) })
  if (!idempotent) return { ...(await run()), replayed: false }
  const now = call.now
  return runIdempotently(
    {
      objects: call.objects,
      tenant: caller.tenant,
      key: call.idempotencyKey as string,
      tool: tool.name,
      args: scoped,
      defer: call.defer,
      nowMs: now === undefined ? undefined : () => now().getTime(),
    },
    async () => {
      let answer: ToolAnswer
      try {
        answer = await run()
      } catch (error) {
        await store.abortHeld()
        throw error
      }
      const held = store.heldCommit
      return {
        answer,
        ...(held === undefined ? {} : { commit: { oid: held.oid, ms: held.ms } }),
        finish: () => store.finishHeld(),
        abort: () => store.abortHeld(),
      }
    },
  )
}

function pathSegment(segment: PropertyKey): string | number {
  return typeof segment === 'number' ? segment : String(segment)
}
