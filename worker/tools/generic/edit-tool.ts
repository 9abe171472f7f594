import * as z from 'zod'
import type { EntitySpec, Schema } from '../../../shared/agi/types.ts'
import { defineTool, type ToolDefinition } from '../tool.ts'
import { commitResponse, optionalCommitResponseSchema, recordResponse, recordResponseSchema } from '../record-response.ts'
import { coerceFields } from './coerce.ts'
import { editRuleFor } from './edit-rules.ts'
import { genericToolName, type EntityNames } from './entity-names.ts'
import { expectedVersionInput, idInput, tenantIdInput } from '../tool-inputs.ts'
import { patchFieldsInput, unsettableFields } from './record-field-inputs.ts'

export function editTool(schema: Schema, spec: EntitySpec, names: EntityNames): ToolDefinition {
  const computed = spec.fields.filter((field) => field.computed === true).map((field) => field.name)
  const unsettable = unsettableFields(spec)
  const rule = editRuleFor(spec.name)
  // `null` for any optional argument means "not given" (what OpenAI's strict mode sends for it), so a patch cannot
  // unset a field with null: unsetting is its own argument, `unset`, naming the fields to remove.
  const shape = {
    id: idInput(),
    patch: patchFieldsInput(spec),
    ...(unsettable.length === 0
      ? {}
      : {
          unset: z
            .array(z.enum(unsettable as [string, ...string[]]))
            .meta({ description: `Optional fields to remove from the record: ${unsettable.join(', ')}. Not also in patch.` })
            .optional(),
        }),
    expected_version: expectedVersionInput(),
    tenant_id: tenantIdInput,
  }
  return defineTool({
    name: genericToolName('edit', names),
    title: `Edit ${names.words}`,
    description:
      `Change fields of a ${names.words}: \`patch\` holds only the fields to change` +
      (unsettable.length > 0 ? ', and `unset` lists optional fields to remove. ' : '. ') +
      'Concurrent edits of different fields all land; with `expected_version` the edit is refused (409) if the record ' +
      'changed since that version. ' +
      (computed.length > 0 ? `${computed.join(', ')} ${computed.length === 1 ? 'is' : 'are'} computed and changed only by the intent tools. ` : '') +
      (rule !== undefined ? `${rule.description} ` : '') +
      `Answers { ${names.singular}: {...}, commit } (commit is null when the edit changed nothing).`,
    input: z.strictObject(shape).superRefine((args, ctx) => {
      const unset = (args as { unset?: string[] }).unset ?? []
      unset.forEach((name, index) => {
        if (Object.hasOwn(args.patch, name)) ctx.addIssue({ code: 'custom', path: ['unset', index], message: `${name} is both set in patch and unset` })
      })
    }),
    output: z.object({ [names.singular]: recordResponseSchema(spec), commit: optionalCommitResponseSchema }),
    access: 'write',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
    handler: async (args, { store }) => {
      const { fields } = coerceFields(spec, args.patch, 'patch', ['patch'])
      const unset = (args as { unset?: string[] }).unset ?? []
      const { stored, commit } = await store.edit(spec.name, args.id, fields, { expectedVersion: args.expected_version, unset, guard: rule?.guard })
      return { [names.singular]: recordResponse(schema, stored), commit: commitResponse(commit) }
    },
  })
}
