import { NotFoundError } from '../../shared/errors.ts'
import { ERP_SCHEMA } from '../../shared/schema/index.ts'
import { genericTools, refusedByCrud } from './generic/index.ts'
import { INTENT_TOOLS } from './intents/index.ts'
import type { ToolDefinition } from './tool.ts'

/** Every tool the Worker serves: the generic ones the schema's CRUD clauses allow, then the intent tools. */
export const TOOLS: readonly ToolDefinition[] = [...genericTools(ERP_SCHEMA), ...INTENT_TOOLS]

const BY_NAME = new Map<string, ToolDefinition>()
for (const tool of TOOLS) {
  // Two declarations of one name would make the catalogue ambiguous: fail at startup, not on a call.
  if (BY_NAME.has(tool.name)) throw new Error(`tool ${tool.name} is declared twice`)
  BY_NAME.set(tool.name, tool)
}

/** The tool called `name`, or `NotFoundError` (saying so when an entity's CRUD clause is the reason). */
export function findTool(name: string): ToolDefinition {
  const tool = BY_NAME.get(name)
  if (tool !== undefined) return tool
  const refused = refusedByCrud(ERP_SCHEMA, name)
  const shown = JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name)
  throw new NotFoundError(refused === undefined ? `no tool ${shown}; GET /tools lists them` : `no tool ${shown}: ${refused}`)
}
