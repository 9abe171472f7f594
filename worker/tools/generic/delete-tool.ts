import * as z from 'zod'
import type { EntitySpec } from '../../../shared/agi/types.ts'
import { defineTool, type ToolDefinition } from '../tool.ts'
import { commitResponse, commitResponseSchema } from '../record-response.ts'
import { genericToolName, type EntityNames } from './entity-names.ts'
import { expectedVersionInput, idInput, tenantIdInput } from '../tool-inputs.ts'

export function deleteTool(spec: EntitySpec, names: EntityNames): ToolDefinition {
  return defineTool({
    name: genericToolName('delete', names),
    title: `Delete ${names.words}`,
    description:
      `Delete a ${names.words}. The deletion is a commit of its own, so git history keeps the record. ` +
      'With `expected_version` it is refused (409) if the record changed since that version; a record that other records ' +
      'refer to (a customer with invoices) is refused with 422 `referenced`. ' +
      `Answers { deleted: { entity: "${spec.name}", id }, commit }.`,
    input: z.strictObject({ id: idInput(), expected_version: expectedVersionInput(), tenant_id: tenantIdInput }),
    output: z.object({ deleted: z.object({ entity: z.literal(spec.name), id: z.string() }), commit: commitResponseSchema }),
    access: 'write',
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
    handler: async (args, { store }) => {
      const { commit } = await store.delete(spec.name, args.id, { expectedVersion: args.expected_version })
      return { deleted: { entity: spec.name, id: args.id }, commit: commitResponse(commit) }
    },
  })
}
