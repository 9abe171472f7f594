import * as z from 'zod'
import type { EntitySpec, Schema } from '../../../shared/agi/types.ts'
import { defineTool, type ToolDefinition } from '../tool.ts'
import { commitResponse, recordResponse } from '../record-response.ts'
import { coerceFields } from './coerce.ts'
import { editRuleFor } from './edit-rules.ts'
import { genericToolName, type EntityNames } from './entity-names.ts'
import { expectedVersionInput, idInput, tenantIdInput } from '../tool-inputs.ts'
import { patchFieldsInput } from './record-field-inputs.ts'

export function editTool(schema: Schema, spec: EntitySpec, names: EntityNames): ToolDefinition {
  const computed = spec.fields.filter((field) => field.computed === true).map((field) => field.name)
  const rule = editRuleFor(spec.name)
  return defineTool({
    name: genericToolName('edit', names),
    title: `Edit ${names.words}`,
    description:
      `Change fields of a ${names.words}: \`patch\` holds only the fields to change, and \`null\` unsets an optional one. ` +
      'Concurrent edits of different fields all land; with `expected_version` the edit is refused (409) if the record ' +
      'changed since that version. ' +
      (computed.length > 0 ? `${computed.join(', ')} ${computed.length === 1 ? 'is' : 'are'} computed and changed only by the intent tools. ` : '') +
      (rule !== undefined ? `${rule.description} ` : '') +
      `Answers { ${names.singular}: {...}, commit } (commit is null when the patch changed nothing).`,
    input: z.strictObject({
      id: idInput(),
      patch: patchFieldsInput(spec),
      expected_version: expectedVersionInput(),
      tenant_id: tenantIdInput,
    }),
    access: 'write',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
    handler: async (args, { store }) => {
      const { fields, unset } = coerceFields(spec, args.patch, 'patch', ['patch'])
      const { stored, commit } = await store.edit(spec.name, args.id, fields, { expectedVersion: args.expected_version, unset, guard: rule?.guard })
      return { [names.singular]: recordResponse(schema, stored), commit: commitResponse(commit) }
    },
  })
}
