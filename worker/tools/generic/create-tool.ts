import * as z from 'zod'
import type { EntitySpec, Schema } from '../../../shared/agi/types.ts'
import { defineTool, type ToolDefinition } from '../tool.ts'
import { commitResponse, commitResponseSchema, recordResponse, recordResponseSchema } from '../record-response.ts'
import { coerceFields } from './coerce.ts'
import { genericToolName, type EntityNames } from './entity-names.ts'
import { createFieldsInput } from './record-field-inputs.ts'

export function createTool(schema: Schema, spec: EntitySpec, names: EntityNames): ToolDefinition {
  const required = spec.fields.filter((field) => field.required && field.default === undefined && field.name !== 'tenant_id' && field.computed !== true)
  return defineTool({
    name: genericToolName('create', names),
    title: `Create ${names.words}`,
    description:
      `Create a ${names.words}` +
      (required.length > 0 ? ` (required: ${required.map((field) => field.name).join(', ')})` : '') +
      `. Answers { ${names.singular}: {...}, commit: { oid, status: "pending" } }; the commit reaches git at the next sync.`,
    input: createFieldsInput(spec),
    output: z.object({ [names.singular]: recordResponseSchema(spec), commit: commitResponseSchema }),
    access: 'write',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
    handler: async (args, { store }) => {
      const { fields } = coerceFields(spec, args, 'create')
      const { stored, commit } = await store.create(spec.name, fields)
      return { [names.singular]: recordResponse(schema, stored), commit: commitResponse(commit) }
    },
  })
}
