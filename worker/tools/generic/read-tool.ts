import * as z from 'zod'
import type { EntitySpec, Schema } from '../../../shared/agi/types.ts'
import { NotFoundError } from '../../../shared/errors.ts'
import { defineTool, type ToolDefinition } from '../tool.ts'
import { recordResponse, recordResponseSchema } from '../record-response.ts'
import { genericToolName, type EntityNames } from './entity-names.ts'
import { idInput, tenantIdInput } from '../tool-inputs.ts'

export function readTool(schema: Schema, spec: EntitySpec, names: EntityNames): ToolDefinition {
  return defineTool({
    name: genericToolName('read', names),
    title: `Read ${names.words}`,
    description:
      `Read one ${names.words} by id. Answers { ${names.singular}: {...} } with its fields, \`id\` and \`version\` ` +
      '(pass `version` as `expected_version` to an edit to refuse it if the record changed meanwhile).',
    input: z.strictObject({ id: idInput(), tenant_id: tenantIdInput }),
    output: z.object({ [names.singular]: recordResponseSchema(spec) }),
    access: 'read',
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
    handler: async (args, { store }) => {
      const stored = await store.read(spec.name, args.id)
      if (stored === null) throw new NotFoundError(`${spec.name} ${args.id} does not exist`)
      return { [names.singular]: recordResponse(schema, stored) }
    },
  })
}
