import { CRUD_OPERATIONS, type Schema } from '../../../shared/agi/types.ts'
import type { ToolDefinition } from '../tool.ts'
import { createTool } from './create-tool.ts'
import { deleteTool } from './delete-tool.ts'
import { editTool } from './edit-tool.ts'
import { entityNames, genericToolName } from './entity-names.ts'
import { listTool } from './list-tool.ts'
import { readTool } from './read-tool.ts'

/**
 * One tool per operation each entity's CRUD clause allows, in schema order. An operation the clause leaves
 * out has no tool at all, so the catalogue itself enforces the clause (the store checks it again).
 */
export function genericTools(schema: Schema): ToolDefinition[] {
  const tools: ToolDefinition[] = []
  for (const spec of schema.entities.values()) {
    const names = entityNames(spec.name)
    if (spec.crud.has('list')) tools.push(listTool(schema, spec, names))
    if (spec.crud.has('read')) tools.push(readTool(schema, spec, names))
    if (spec.crud.has('create')) tools.push(createTool(schema, spec, names))
    if (spec.crud.has('edit')) tools.push(editTool(schema, spec, names))
    if (spec.crud.has('delete')) tools.push(deleteTool(spec, names))
  }
  return tools
}

/**
 * Why a generic-looking tool name does not exist, when the reason is the entity's CRUD clause
 * (`delete_invoice`: Invoice allows read, list, edit); undefined for any other name.
 */
export function refusedByCrud(schema: Schema, name: string): string | undefined {
  for (const spec of schema.entities.values()) {
    const names = entityNames(spec.name)
    for (const operation of CRUD_OPERATIONS) {
      if (genericToolName(operation, names) === name && !spec.crud.has(operation)) {
        return `${spec.name} does not allow ${operation} (its CRUD clause is: ${[...spec.crud].join(', ')})`
      }
    }
  }
  return undefined
}
