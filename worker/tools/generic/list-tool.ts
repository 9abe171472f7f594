import { z } from 'zod'
import type { EntitySpec, Schema } from '../../../shared/agi/types.ts'
import { defineTool, type ToolDefinition } from '../tool.ts'
import { recordResponse } from '../record-response.ts'
import { coerceFields } from './coerce.ts'
import { genericToolName, type EntityNames } from './entity-names.ts'
import { tenantIdInput } from '../tool-inputs.ts'
import { filterSpec, whereFieldsInput } from './record-field-inputs.ts'

export const LIST_MAX_LIMIT = 200

export function listTool(schema: Schema, spec: EntitySpec, names: EntityNames): ToolDefinition {
  const input = z.strictObject({
    where: whereFieldsInput(spec).describe('only records whose fields equal these values').optional(),
    limit: z.number().int().min(1).max(LIST_MAX_LIMIT).describe('page size, default 50').optional(),
    cursor: z.string().min(1).describe('next_cursor of the previous page').optional(),
    tenant_id: tenantIdInput,
  })
  return defineTool({
    name: genericToolName('list', names),
    title: `List ${names.pluralWords}`,
    description:
      `List the ${names.words} records of your tenant, oldest first, \`limit\` at a time (default 50, at most ${LIST_MAX_LIMIT}). ` +
      `\`where\` keeps records whose fields equal the given values. Answers { ${names.plural}: [...], next_cursor }; ` +
      'pass next_cursor back as `cursor` for the next page (null when there is none).',
    input,
    access: 'read',
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
    handler: async (args, { store }) => {
      const where = args.where === undefined ? undefined : coerceFields(filterSpec(spec), args.where, 'patch', ['where']).fields
      const page = await store.list(spec.name, { where, limit: args.limit, cursor: args.cursor })
      return { [names.plural]: page.records.map((stored) => recordResponse(schema, stored)), next_cursor: page.cursor ?? null }
    },
  })
}
