import { z } from 'zod'
import { TIMESTAMP_FIELDS } from '../../../shared/agi/index.ts'
import type { EntitySpec, FieldSpec } from '../../../shared/agi/types.ts'

/**
 * zod schemas for an entity's fields as tools accept them. They check the JSON shape and document it in
 * `GET /tools`; `coerceInput` then turns the values into typed fields with the exact rules (calendar dates,
 * money with at most two decimals, safe integers), so the two never need to agree on more than the shape.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const MONEY_TEXT = /^-?[0-9]+(\.[0-9]{1,2})?$/
// Shapes only: coerceInput checks that the day exists (zod's own date patterns bloat every tool listing).
const DATE_TEXT = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/
const DATETIME_TEXT = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3})?Z$/

export const idInput = z.string().regex(UUID, 'expected a lowercase UUID')

function fieldInput(field: FieldSpec): z.ZodType {
  switch (field.type) {
    case 'string':
      return field.oneOf === undefined ? z.string() : z.enum(field.oneOf as [string, ...string[]])
    case 'id':
      return field.references === undefined ? idInput : idInput.describe(`id of a ${field.references}`)
    case 'date':
      return z.string().regex(DATE_TEXT, 'expected a date YYYY-MM-DD').describe('a date, YYYY-MM-DD')
    case 'datetime':
      return z.string().regex(DATETIME_TEXT, 'expected a UTC time YYYY-MM-DDTHH:MM:SS[.sss]Z').describe('a UTC time, YYYY-MM-DDTHH:MM:SS[.sss]Z')
    case 'number':
      return z.number().int()
    case 'float':
      return z.number()
    case 'money':
      return z
        .union([z.number(), z.string().regex(MONEY_TEXT, 'expected a decimal amount such as 1850.00')])
        .describe('an amount: a JSON number or a decimal string, at most two decimals')
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

const TENANT_NOTE = "your token's tenant; may be omitted"

/** A new record's fields: REQUIRED ones without a default must be given; `tenant_id` is injected. */
export function createFieldsInput(spec: EntitySpec) {
  const shape: Record<string, z.ZodType> = {}
  for (const field of writableFields(spec)) {
    if (field.name === 'tenant_id') shape[field.name] = z.string().describe(TENANT_NOTE).optional()
    else shape[field.name] = field.required && field.default === undefined ? fieldInput(field) : fieldInput(field).optional()
  }
  return z.strictObject(shape)
}

/** The fields an edit changes; `null` unsets a field that is not REQUIRED. */
export function patchFieldsInput(spec: EntitySpec) {
  const shape: Record<string, z.ZodType> = {}
  for (const field of writableFields(spec)) {
    if (field.name === 'tenant_id') shape[field.name] = z.string().describe(`${TENANT_NOTE}; it cannot change`).optional()
    else shape[field.name] = (field.required ? fieldInput(field) : fieldInput(field).nullable()).optional()
  }
  return z.strictObject(shape)
}

/** Field equality filters: any declared field, computed and timestamps included (`status`, `customer_id`). */
export function whereFieldsInput(spec: EntitySpec) {
  const shape: Record<string, z.ZodType> = {}
  for (const field of spec.fields) shape[field.name] = fieldInput(field).optional()
  return z.strictObject(shape)
}

/** The entity as a filter sees it: every field comparable, none refused as computed or store-managed. */
export function filterSpec(spec: EntitySpec): EntitySpec {
  return { ...spec, timestamps: false, fields: spec.fields.map((field) => ({ ...field, computed: false })) }
}

/** `tenant_id` on tools that do not carry record fields: accepted for uniformity, checked against the token. */
export const tenantIdInput = z.string().describe(TENANT_NOTE).optional()
