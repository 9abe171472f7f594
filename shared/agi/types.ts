/** The field types an ENTITY may declare (DESIGN §2). */
export const FIELD_TYPES = ['string', 'number', 'float', 'money', 'bool', 'date', 'datetime', 'json', 'id'] as const
export type FieldType = (typeof FIELD_TYPES)[number]

export const CRUD_OPERATIONS = ['create', 'read', 'list', 'edit', 'delete'] as const
export type CrudOperation = (typeof CRUD_OPERATIONS)[number]

/** A JSON value as stored in a `json` field. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/**
 * The in-memory value of one field.
 * - `money` is an exact amount in integer minor units (cents) as a bigint, so float drift cannot happen.
 * - `number` is a safe integer, `float` a finite number.
 * - `string`, `id`, `date` (YYYY-MM-DD) and `datetime` (ISO-8601 UTC with `Z`) are strings.
 */
export type FieldValue = string | number | bigint | boolean | JsonValue

export interface FieldSpec {
  name: string
  type: FieldType
  required: boolean
  /** Parsed default, applied on create when the field is omitted. */
  default?: FieldValue
  /** `IN ("a", "b")`: the only values a string field may take. */
  oneOf?: readonly string[]
  /**
   * `COMPUTED`: derived from other records (an invoice's total from its lines, `amount_paid` from its
   * payments), so only the intent tools that keep it consistent may write it; generic tools refuse it.
   */
  computed?: boolean
  /** `REFERENCES Customer`: an `id` field that must name a record of that entity in the same tenant. */
  references?: string
  /** `UNIQUE`: no two records of the entity in one tenant hold the same value (kept by a guard object per value). */
  unique?: boolean
  /**
   * `USES Account(code)`: names a record by a UNIQUE field's value rather than by id (a journal line's account
   * code). The value must be held by a record, and once used its holder can never give it up.
   */
  uses?: { entity: string; field: string }
  /**
   * `INDEX`: the store keeps an index entry per record under the field's value, so lists filtered on it cost per
   * page, not per collection. Every `REFERENCES` field is indexed without it (see `isIndexed`).
   */
  index?: boolean
  /**
   * `INDEX BY date`: the entries of one value are kept in the order of this REQUIRED date (or datetime) field, then
   * by id, so a value's entries in a range of that field are one key range (a ledger: an account's lines by date).
   */
  indexOrder?: string
}

/** Field types an index can hold: exact values that spell one way (no json, no float). */
export const INDEXABLE_TYPES: readonly FieldType[] = ['string', 'number', 'money', 'bool', 'date', 'datetime', 'id']

/** Whether the store keeps an index of the field: declared `INDEX`, or a `REFERENCES` field. */
export function isIndexed(field: FieldSpec): boolean {
  return field.index === true || field.references !== undefined
}

/** The fields of an entity the store indexes, in declaration order. */
export function indexedFields(spec: EntitySpec): FieldSpec[] {
  return spec.fields.filter(isIndexed)
}

export interface EntitySpec {
  name: string
  /** Declaration order; `TIMESTAMPS` contributes `created_at` and `updated_at` where it stands. */
  fields: readonly FieldSpec[]
  timestamps: boolean
  crud: ReadonlySet<CrudOperation>
}

export interface Schema {
  entities: ReadonlyMap<string, EntitySpec>
}

/** One parsed `.agi` record. */
export interface AgiRecord {
  entity: string
  id: string
  /** Declared fields only, typed by the schema. Unset fields are absent. */
  fields: Record<string, FieldValue>
  /**
   * Fields the schema does not declare, kept verbatim (their literal source text) so a field removed
   * from the schema never destroys data; re-emitted sorted after the declared ones.
   */
  unknown: Record<string, string>
}
