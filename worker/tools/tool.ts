import type * as z from 'zod'
import type { GitStore } from '../../shared/git-store/index.ts'
import type { Caller } from '../auth/caller.ts'

export interface ToolContext {
  caller: Caller
  /** Bound to the caller's tenant, with the caller as commit author. */
  store: GitStore
}

/** MCP tool annotations, declared with the tool so every surface shows the same hints. */
export interface ToolAnnotations {
  readOnlyHint: boolean
  destructiveHint: boolean
  idempotentHint: boolean
}

/**
 * One tool, declared once: its input schema is the single source for validation, `GET /tools`, MCP and docs, and
 * its output schema the single source of what it answers (MCP's `outputSchema`).
 * Handlers throw `AccelerandoError`s; the app turns them into the error envelope in one place.
 */
export interface ToolDefinition<Input extends z.ZodType = z.ZodType> {
  name: string
  title: string
  description: string
  input: Input
  /** What a successful call answers; a refused one answers the error envelope instead. */
  output: z.ZodType<Record<string, unknown>>
  /** `write` tools need a write-scope token and produce a commit. */
  access: 'read' | 'write'
  annotations: ToolAnnotations
  handler: (input: z.output<Input>, ctx: ToolContext) => Promise<Record<string, unknown>>
}

export function defineTool<Input extends z.ZodType>(definition: ToolDefinition<Input>): ToolDefinition<Input> {
  return definition
}
