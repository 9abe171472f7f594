import * as z from 'zod'
import { TIMESTAMP_FIELDS } from '../../../shared/agi/index.ts'
import { indexedFields, isIndexed, type EntitySpec, type FieldSpec } from '../../../shared/agi/types.ts'
import { amountInput, dateInput, idInput, tenantIdInput, unchangingTenantIdInput, utcDatetimeInput } from '../tool-inputs.ts'

/**
 * zod schemas for an entity's fields as tools accept them, built from the shared tool inputs. They check
 * the JSON and document it in `GET /tools`; `coerceInput` then turns the values into typed fields (money
 * as cents, safe integers) with the same rules, so the two never disagree.
 */

function fieldInput(field: FieldSpec): z.ZodType {
  switch (field.type) {
    case 'string':
      return field.oneOf === undefined ? z.string() : z.enum(field.oneOf as [string, ...string[]])
    case 'id':
      return field.references === undefined ? idInput() : idInput(`Id of a ${field.references}.`)
    case 'date':
      return dateInput('A date, YYYY-MM-DD.')
    case 'datetime':
      return utcDatetimeInput('A UTC time, YYYY-MM-DDTHH:MM:SS[.sss]Z.')
    case 'number':
      return z.number().int()
    case 'float':
      return z.number()
    case 'money':
      return amountInput('An amount.')
    case 'bool':
      return z.boolean()
    case 'json':
      return z.json()
  }
}

function isStoreManaged(spec: EntitySpec, field: FieldSpec): boolean {
  return spec.timestamps && TIMESTAMP_FIELDS.includes(field.name)
}

/** Fields a caller may write: neither computed from other records nor stamped by the store. */
function writableFields(spec: EntitySpec): FieldSpec[] {
  return spec.fields.filter((field) => field.computed !== true && !isStoreManaged(spec, field))
}

/** A new record's fields: REQUIRED ones without a default must be given; `tenant_id` is injected. */
export function createFieldsInput(spec: EntitySpec) {
  const shape: Record<string, z.ZodType> = {}
  for (const field of writableFields(spec)) {
    if (field.name === 'tenant_id') shape[field.name] = tenantIdInput
    else shape[field.name] = field.required && field.default === undefined ? fieldInput(field) : fieldInput(field).optional()
  }
  return z.strictObject(shape)
}

/** The fields an edit changes, each optional; removing one is the edit's `unset`, not a value here. */
export function patchFieldsInput(spec: EntitySpec) {
  const shape: Record<string, z.ZodType> = {}
  for (const field of writableFields(spec)) {
    shape[field.name] = field.name === 'tenant_id' ? unchangingTenantIdInput : fieldInput(field).optional()
  }
  return z.strictObject(shape)
}

/** The fields an edit may remove: writable and not REQUIRED. */
export function unsettableFields(spec: EntitySpec): string[] {
  return writableFields(spec)
    .filter((field) => !field.required && field.name !== 'tenant_id')
    .map((field) => field.name)
}

/**
 * Filters on the entity's indexed fields (what `GET /tools` shows as filterable): a value each, and for a `date`
 * field also an inclusive range `{ from?, to? }`. `tenant_id` is accepted (it must be the token's, and always holds).
 * Any other field is refused, naming the ones that can be filtered on.
 */
export function whereFieldsInput(spec: EntitySpec) {
  const indexed = indexedFields(spec)
  const shape: Record<string, z.ZodType> = {}
  for (const field of spec.fields) {
    if (field.name === 'tenant_id') shape[field.name] = tenantIdInput
    if (!isIndexed(field)) continue
    const exact = fieldInput(field)
    shape[field.name] = (field.type === 'date' ? z.union([exact, dateRangeInput()]) : exact).optional()
  }
  const filterable = indexed.map((field) => field.name).join(', ')
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? `${issue.keys.join(', ')} cannot be filtered on: ${spec.name} lists filter on its indexed fields only (${filterable || 'none'})` : undefined,
  })
}

function dateRangeInput() {
  return z
    .strictObject({ from: dateInput('First day, inclusive.').optional(), to: dateInput('Last day, inclusive.').optional() })
    .refine((range) => range.from === undefined || range.to === undefined || range.from <= range.to, 'from must not be after to')
    .meta({ description: 'An inclusive range of dates; either end may be left out.' })
}

/** The entity as a filter sees it: every field comparable, none refused as computed or store-managed. */
export function filterSpec(spec: EntitySpec): EntitySpec {
  return { ...spec, timestamps: false, fields: spec.fields.map((field) => ({ ...field, computed: false })) }
}
