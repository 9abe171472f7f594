import * as z from 'zod'
import { indexedFields, type EntitySpec, type FieldValue, type Schema } from '../../../shared/agi/types.ts'
import type { DateRange } from '../../../shared/git-store/index.ts'
import { defineTool, type ToolDefinition } from '../tool.ts'
import { recordResponse, recordResponseSchema } from '../record-response.ts'
import { coerceFields } from './coerce.ts'
import { genericToolName, type EntityNames } from './entity-names.ts'
import { tenantIdInput } from '../tool-inputs.ts'
import { filterSpec, whereFieldsInput } from './record-field-inputs.ts'

export const LIST_MAX_LIMIT = 200

export function listTool(schema: Schema, spec: EntitySpec, names: EntityNames): ToolDefinition {
  const indexed = indexedFields(spec)
  const dates = indexed.filter((field) => field.type === 'date').map((field) => field.name)
  const input = z.strictObject({
    where: whereFieldsInput(spec).describe(`only records whose fields equal these values; filterable: ${indexed.map((field) => field.name).join(', ') || 'none'}`).optional(),
    limit: z.number().int().min(1).max(LIST_MAX_LIMIT).describe('page size, default 50').optional(),
    cursor: z.string().min(1).describe('next_cursor of the previous page').optional(),
    tenant_id: tenantIdInput,
  })
  return defineTool({
    name: genericToolName('list', names),
    title: `List ${names.pluralWords}`,
    description:
      `List the ${names.words} records of your tenant, oldest first, \`limit\` at a time (default 50, at most ${LIST_MAX_LIMIT}). ` +
      (indexed.length === 0
        ? 'No field can be filtered on. '
        : `\`where\` keeps records whose fields equal the given values, on indexed fields only: ${indexed.map((field) => field.name).join(', ')} ` +
          '(any other field is refused with 400). ' +
          (dates.length > 0 ? `A date field also takes an inclusive range, e.g. { "${dates[0]}": { "from": "2026-01-01", "to": "2026-03-31" } }, listed by date. ` : '') +
          'A filtered page costs a few storage calls whatever the collection size; with several fields, one index is read (the first field in ' +
          'this order holding a value, else the range) and the rest are checked on its records, so a page may then hold fewer than `limit` records, even none, while next_cursor goes on. ') +
      `Answers { ${names.plural}: [...], next_cursor }; pass next_cursor back as \`cursor\` (with the same \`where\`) for the next page (null when there is none).`,
    input,
    output: z.object({
      [names.plural]: z.array(recordResponseSchema(spec)),
      next_cursor: z.string().nullable().meta({ description: 'Pass it back as `cursor` for the next page; null on the last.' }),
    }),
    access: 'read',
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
    handler: async (args, { store }) => {
      const { equals, ranges } = splitWhere(spec, args.where as Record<string, unknown> | undefined)
      const page = await store.list(spec.name, { where: equals, ranges, limit: args.limit, cursor: args.cursor })
      return { [names.plural]: page.records.map((stored) => recordResponse(schema, stored)), next_cursor: page.cursor ?? null }
    },
  })
}

/**
 * Exact values (typed like the fields) and date ranges. `tenant_id` is dropped: it was checked against the token, so it
 * holds for every record the list can see.
 */
function splitWhere(spec: EntitySpec, where: Record<string, unknown> | undefined): { equals?: Record<string, FieldValue>; ranges?: Record<string, DateRange> } {
  if (where === undefined) return {}
  const exact: Record<string, unknown> = {}
  const ranges: Record<string, DateRange> = {}
  for (const [name, value] of Object.entries(where)) {
    if (name === 'tenant_id' || value === undefined) continue
    if (typeof value === 'object' && value !== null) ranges[name] = value as DateRange
    else exact[name] = value
  }
  const equals = coerceFields(filterSpec(spec), exact, 'patch', ['where']).fields
  const some = Object.keys(equals).length > 0 || Object.keys(ranges).length > 0
  return some ? { equals, ranges } : {}
}
