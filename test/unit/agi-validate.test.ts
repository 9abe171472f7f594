import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  coerceInput, isCalendarDate, isUtcDatetime, parseRecord, parseSchema, recordToJson, serializeRecord, validateRecord,
  type AgiRecord, type EntitySpec, type FieldValue,
} from '../../shared/agi/index.ts'

const SCHEMA = parseSchema(`
ENTITY Thing {
  tenant_id: string REQUIRED
  name:      string REQUIRED
  status:    string = "open" IN ("open", "closed") REQUIRED
  kind:      string IN ("a", "b")
  count:     number
  ratio:     float
  price:     money
  paid:      money = 0.00
  active:    bool = true
  day:       date
  at:        datetime
  meta:      json = {"tags": []}
  owner:     id
  TIMESTAMPS
  CRUD create, read, list, edit
}
`)
const THING = SCHEMA.entities.get('Thing') as EntitySpec
const OWNER = '0193f6c1-4b2a-7d10-8c3e-5a6b7c8d9e0f'

function issuesOf(input: Record<string, unknown>, mode: 'create' | 'patch' = 'create'): Record<string, string> {
  const result = coerceInput(THING, input, mode)
  if (result.ok) return {}
  return Object.fromEntries(result.issues.map((issue) => [issue.path.join('.'), issue.message]))
}

describe('coerceInput', () => {
  it('types every field and applies defaults on create', () => {
    const result = coerceInput(
      THING,
      { tenant_id: 'acme', name: 'Widget', price: 19.99, count: 3, ratio: 0.25, day: '2024-02-29', at: '2026-06-25T10:00:00.123Z', owner: OWNER, kind: 'b' },
      'create',
    )
    expect(result).toEqual({
      ok: true,
      unset: [],
      fields: {
        tenant_id: 'acme', name: 'Widget', status: 'open', kind: 'b', count: 3, ratio: 0.25, price: 1999n, paid: 0n, active: true,
        day: '2024-02-29', at: '2026-06-25T10:00:00.123Z', meta: { tags: [] }, owner: OWNER,
      },
    })
  })

  it('hands out copies of JSON defaults', () => {
    const first = coerceInput(THING, { tenant_id: 't', name: 'n' }, 'create')
    if (!first.ok) throw new Error('expected ok')
    ;((first.fields.meta as { tags: string[] }).tags).push('mutated')
    const second = coerceInput(THING, { tenant_id: 't', name: 'n' }, 'create')
    expect(second.ok && second.fields.meta).toEqual({ tags: [] })
  })

  it('requires REQUIRED fields on create, but not the timestamps the store sets', () => {
    expect(issuesOf({})).toEqual({ tenant_id: 'required', name: 'required' })
    expect(issuesOf({ tenant_id: 'acme', name: 'x', created_at: '2026-01-01T00:00:00Z' })).toEqual({ created_at: 'set by the store; leave it out' })
  })

  it('checks only the given fields on patch, refuses timestamps, and unsets with null', () => {
    expect(coerceInput(THING, { price: '5.5', kind: null, count: undefined }, 'patch')).toEqual({ ok: true, fields: { price: 550n }, unset: ['kind'] })
    expect(issuesOf({ updated_at: '2026-01-01T00:00:00Z' }, 'patch')).toEqual({ updated_at: 'set by the store; leave it out' })
    expect(issuesOf({ name: null, status: null }, 'patch')).toEqual({ name: 'required; cannot be unset', status: 'required; cannot be unset' })
    expect(coerceInput(THING, { meta: null }, 'patch')).toEqual({ ok: true, fields: { meta: null }, unset: [] })
  })

  it('refuses COMPUTED fields in both modes and does not require them on create', () => {
    const spec = parseSchema('ENTITY Bill {\n  name: string REQUIRED\n  total: money REQUIRED COMPUTED\n  paid: money = 0.00 COMPUTED\n  CRUD create, edit\n}\n').entities.get('Bill') as EntitySpec
    expect(coerceInput(spec, { name: 'x' }, 'create')).toEqual({ ok: true, fields: { name: 'x', paid: 0n }, unset: [] })
    const refused = coerceInput(spec, { name: 'x', total: 5 }, 'create')
    expect(refused.ok).toBe(false)
    if (!refused.ok) expect(refused.issues.map((issue) => issue.path)).toEqual([['total']])
    expect(coerceInput(spec, { paid: 1 }, 'patch').ok).toBe(false)
  })

  it('lists one issue per bad field', () => {
    expect(
      issuesOf({
        tenant_id: 'acme', name: 7, status: 'pending', count: 1.5, ratio: Number.NaN, price: 1.005, active: 'yes', day: '2025-02-29',
        at: '2026-06-25 10:00:00', owner: OWNER.toUpperCase(), meta: { when: new Date(0) }, color: 'red', id: OWNER,
      }),
    ).toEqual({
      name: 'expected a string',
      status: 'must be one of "open", "closed"',
      count: 'expected an integer',
      ratio: 'expected a finite number',
      price: 'amount has more than 2 decimal places: 1.005',
      active: 'expected true or false',
      day: 'expected a date YYYY-MM-DD',
      at: 'expected a UTC datetime YYYY-MM-DDTHH:MM:SS[.sss]Z',
      owner: 'expected a lowercase UUID',
      'meta.when': 'expected a JSON value',
      color: 'unknown field for Thing',
      id: 'unknown field for Thing',
    })
  })

  it('refuses integers beyond the safe range, money beyond two decimals, non-finite JSON', () => {
    expect(issuesOf({ count: 2 ** 53 }, 'patch')).toEqual({ count: 'integer out of the safe range' })
    expect(issuesOf({ price: '12.345' }, 'patch')).toEqual({ price: 'amount has more than 2 decimal places: 12.345' })
    expect(issuesOf({ meta: { a: [1, Number.POSITIVE_INFINITY] } }, 'patch')).toEqual({ 'meta.a.1': 'JSON numbers must be finite' })
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(Object.keys(issuesOf({ meta: cyclic }, 'patch'))).toHaveLength(1)
  })

  it('normalises -0 and keeps JSON keys such as __proto__ as plain data', () => {
    const result = coerceInput(THING, { count: -0, ratio: -0, meta: JSON.parse('{"__proto__": {"x": -0}}') }, 'patch')
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(Object.is(result.fields.count, 0)).toBe(true)
    expect(Object.is(result.fields.ratio, 0)).toBe(true)
    expect(Object.getPrototypeOf(result.fields.meta)).toBe(Object.prototype)
    expect(JSON.stringify(result.fields.meta)).toBe('{"__proto__":{"x":0}}')
  })

  it('never throws, whatever the input, and what it accepts serializes and reads back', () => {
    const anyValue = fc.oneof(
      fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true }),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 'x'.repeat(100_000), '\ud800', 1e21, 5e-324, '1e2', '١٢٣'),
      // plausible values, so that accepted input is common and the serializer branch below runs
      fc.constantFrom('open', 'closed', 'a', 'b', '2024-02-29', '2026-06-25T10:00:00Z', OWNER, '12.50', true, false, null),
      fc.integer(),
      fc.double(),
      fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
      fc.jsonValue(),
    )
    const fieldName = fc.constantFrom(...THING.fields.map((f) => f.name), 'id', '__proto__', 'constructor', 'toString')
    const input = fc
      .tuple(fc.boolean(), fc.dictionary(fieldName, anyValue, { maxKeys: 4 }))
      .map(([withBase, fields]) => (withBase ? { tenant_id: 'acme', name: 'n', ...fields } : fields))
    let accepted = 0
    fc.assert(
      fc.property(input, fc.constantFrom('create' as const, 'patch' as const), (input, mode) => {
        const result = coerceInput(THING, input, mode)
        if (!result.ok) {
          expect(result.issues.length).toBeGreaterThan(0)
          return
        }
        accepted += 1
        const record: AgiRecord = {
          entity: 'Thing', id: 'r1', unknown: {},
          fields: { ...result.fields, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' },
        }
        expect(parseRecord(serializeRecord(record, SCHEMA), SCHEMA).record).toEqual(record)
      }),
      { numRuns: 2000 },
    )
    expect(accepted).toBeGreaterThan(150)
    for (const notAnObject of [null, [], 'x', 5, new Map()]) {
      expect(coerceInput(THING, notAnObject as unknown as Record<string, unknown>, 'create').ok).toBe(false)
    }
  })
})

describe('validateRecord', () => {
  const base: Record<string, FieldValue> = {
    tenant_id: 'acme', name: 'n', status: 'open', created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z',
  }

  it('accepts a complete record', () => {
    expect(validateRecord(THING, { entity: 'Thing', id: 'r1', fields: base, unknown: { legacy: '1' } })).toEqual([])
  })

  it('reports missing REQUIRED fields, IN violations, wrong types and stray fields', () => {
    const issues = validateRecord(THING, {
      entity: 'Other',
      id: 'bad id',
      fields: { ...base, name: undefined as unknown as string, status: 'pending', tenant_id: 5, price: 1.5, stray: 'x' },
      unknown: { kind: '"a"' },
    })
    expect(issues).toEqual([
      { path: [], message: 'record is a Other, not a Thing' },
      { path: [], message: 'invalid record id "bad id"' },
      { path: ['stray'], message: 'not a field of Thing' },
      { path: ['kind'], message: 'declared field kept as unknown' },
      { path: ['tenant_id'], message: 'expected a string' },
      { path: ['name'], message: 'required' },
      { path: ['status'], message: 'must be one of "open", "closed"' },
      { path: ['price'], message: 'expected an amount in cents (bigint) within range' },
    ])
  })
})

describe('recordToJson', () => {
  it('puts the id first, turns money into numbers and leaves unknown fields out', () => {
    const record: AgiRecord = {
      entity: 'Thing', id: 'r1', unknown: { legacy: '"x"' },
      fields: { ...{ name: 'n', price: 185000n, paid: 30n, meta: { a: 1 }, active: false, count: 2 } },
    }
    expect(recordToJson(THING, record)).toEqual({ id: 'r1', name: 'n', price: 1850, paid: 0.3, active: false, count: 2, meta: { a: 1 } })
    expect(Object.keys(recordToJson(THING, record))[0]).toBe('id')
  })

  it('gives JSON that coerceInput turns back into the same fields', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n) + 1n, max: 10n ** 15n - 1n }), (cents) => {
        const json = recordToJson(THING, { entity: 'Thing', id: 'r1', fields: { price: cents }, unknown: {} })
        expect(coerceInput(THING, { price: json.price }, 'patch')).toEqual({ ok: true, fields: { price: cents }, unset: [] })
      }),
    )
  })
})

describe('value formats', () => {
  it('knows real calendar dates', () => {
    expect(['2024-02-29', '2000-02-29', '0000-01-01', '9999-12-31'].every(isCalendarDate)).toBe(true)
    expect(['1900-02-29', '2023-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-1-01', '26-01-01', ' 2026-01-01'].some(isCalendarDate)).toBe(false)
  })

  it('knows UTC datetimes with optional milliseconds', () => {
    expect(['2026-06-25T10:00:00Z', '2026-06-25T23:59:59.999Z'].every(isUtcDatetime)).toBe(true)
    expect(
      ['2026-06-25T24:00:00Z', '2026-06-25T10:60:00Z', '2026-06-25T10:00:60Z', '2026-06-25T10:00:00', '2026-06-25T10:00:00+00:00', '2026-06-25T10:00:00.1Z', '2026-02-30T10:00:00Z'].some(
        isUtcDatetime,
      ),
    ).toBe(false)
  })

  it('takes in an id field the UUIDs a key takes: lowercase, any real version, the RFC variant', () => {
    const takes = (owner: string) => coerceInput(THING, { owner }, 'patch').ok
    expect(takes(OWNER)).toBe(true)
    expect(takes('9b2e41f0-a6d2-4c00-9193-f6c28e1a7c3d')).toBe(true)
    expect(takes('00000000-0000-0000-0000-000000000000')).toBe(false)
    expect(takes(OWNER.replace('-7', '-0'))).toBe(false)
    expect(takes(OWNER.toUpperCase())).toBe(false)
    expect(takes(OWNER.replaceAll('-', ''))).toBe(false)
  })
})
