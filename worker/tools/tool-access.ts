import * as z from 'zod'
import { ForbiddenError } from '../http/http-errors.ts'
import type { Caller } from '../auth/caller.ts'
import type { ToolDefinition } from './tool.ts'

/** A read-scope token may call read tools; a write-scope token every tool; an allow-list narrows either. */
export function authorizeTool(tool: ToolDefinition, caller: Caller): void {
  if (caller.tools !== undefined && !caller.tools.includes(tool.name)) {
    throw new ForbiddenError(`this token may not call ${tool.name} (its tools are: ${caller.tools.join(', ') || 'none'})`)
  }
  if (tool.access === 'write' && caller.scope !== 'write') {
    throw new ForbiddenError(`${tool.name} writes; this token has read scope`)
  }
}

/**
 * Confines a tool call's arguments to the caller's tenant. Every `tenant_id` anywhere in the arguments
 * (top level, `patch`, `where`, nested lines) must name the token's tenant, else 403; an omitted top-level one
 * is filled in where the tool declares it, and a matching one is dropped where it does not, so agents may
 * always send it. Returns a copy; the store is bound to the caller's tenant whatever the arguments say.
 */
export function scopeToTenant(tool: ToolDefinition, args: unknown, caller: Caller): unknown {
  const foreign = findForeignTenant(args, caller.tenant)
  if (foreign !== undefined) {
    throw new ForbiddenError(`this token is for tenant "${caller.tenant}", not ${JSON.stringify(foreign)}`)
  }
  if (!isPlainObject(args)) return args
  const scoped: Record<string, unknown> = { ...args }
  if (declaresTenantId(tool)) scoped.tenant_id ??= caller.tenant
  else if (scoped.tenant_id === caller.tenant) delete scoped.tenant_id
  return scoped
}

/** Walks the arguments without recursion (a hostile body may nest deeply). */
function findForeignTenant(args: unknown, tenant: string): unknown {
  const pending: unknown[] = [args]
  while (pending.length > 0) {
    const value = pending.pop()
    if (Array.isArray(value)) {
      for (const item of value) pending.push(item)
    } else if (isPlainObject(value)) {
      for (const [name, member] of Object.entries(value)) {
        if (name === 'tenant_id' && typeof member === 'string' && member !== tenant) return member
        pending.push(member)
      }
    }
  }
  return undefined
}

function declaresTenantId(tool: ToolDefinition): boolean {
  return tool.input instanceof z.ZodObject && Object.hasOwn(tool.input.shape, 'tenant_id')
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
