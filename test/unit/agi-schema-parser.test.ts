import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { indexedFields, isIndexed, parseSchema } from '../../shared/agi/index.ts'
import { AgiParseError } from '../../shared/errors.ts'
import { thrownBy } from '../support/thrown.ts'

const INVOICE = `
# a schema with every feature
ENTITY Customer {
  name: string REQUIRED // trailing comment
  CRUD create, read, list, edit, delete
}

ENTITY Invoice {
  tenant_id:   string REQUIRED
  customer_id: id REFERENCES Customer REQUIRED
  total:       money REQUIRED
  status:      string IN ("draft", "sent", "paid", "void") = "draft"
  kind:        string IN ("a", "b") = "b" REQUIRED
  flags:       json = {"x": [1, "#not a comment"]}
  count:       number = -3
  ratio:       float = 2.5e-3
  open:        bool REQUIRED = true
  due_date:    date = "2026-02-28"
  TIMESTAMPS
  notes:       string = "a // b # c"
  CRUD create, read, list, edit
}
`

const parseError = (text: string): AgiParseError => thrownBy(AgiParseError, () => parseSchema(text, 'test.agi'))

describe('parseSchema', () => {
  it('reads entities, fields, modifiers in any order, TIMESTAMPS in place and CRUD', () => {
    const schema = parseSchema(INVOICE)
    expect([...schema.entities.keys()]).toEqual(['Customer', 'Invoice'])
    const invoice = schema.entities.get('Invoice')
    expect(invoice?.fields.map((f) => f.name)).toEqual([
      'tenant_id', 'customer_id', 'total', 'status', 'kind', 'flags', 'count', 'ratio', 'open', 'due_date',
      'created_at', 'updated_at', 'notes',
    ])
    expect(invoice?.timestamps).toBe(true)
    expect([...(invoice?.crud ?? [])]).toEqual(['create', 'read', 'list', 'edit'])
    const field = (name: string) => invoice?.fields.find((f) => f.name === name)
    expect(field('customer_id')).toEqual({ name: 'customer_id', type: 'id', required: true, references: 'Customer' })
    expect(field('total')).toEqual({ name: 'total', type: 'money', required: true })
    expect(field('status')).toEqual({ name: 'status', type: 'string', required: false, default: 'draft', oneOf: ['draft', 'sent', 'paid', 'void'] })
    expect(field('kind')).toEqual({ name: 'kind', type: 'string', required: true, default: 'b', oneOf: ['a', 'b'] })
    expect(field('flags')?.default).toEqual({ x: [1, '#not a comment'] })
    expect(field('count')?.default).toBe(-3)
    expect(field('ratio')?.default).toBe(0.0025)
    expect(field('open')).toEqual({ name: 'open', type: 'bool', required: true, default: true })
    expect(field('due_date')?.default).toBe('2026-02-28')
    expect(field('created_at')).toEqual({ name: 'created_at', type: 'datetime', required: true })
    expect(field('notes')?.default).toBe('a // b # c')
    expect(schema.entities.get('Customer')?.timestamps).toBe(false)
  })

  it('reads money defaults as cents and accepts CRLF line ends and an empty text', () => {
    const schema = parseSchema('ENTITY A {\r\n  paid: money = 0.00 REQUIRED\r\n  fee: money = -12.05\r\n  CRUD read\r\n}\r\n')
    expect(schema.entities.get('A')?.fields.map((f) => f.default)).toEqual([0n, -1205n])
    expect(parseSchema('  // nothing here\n').entities.size).toBe(0)
  })

  it('reads COMPUTED among the modifiers, in any order', () => {
    const schema = parseSchema('ENTITY A {\n  total: money COMPUTED REQUIRED\n  paid: money = 0.00 COMPUTED\n  note: string\n  CRUD read\n}\n')
    expect(schema.entities.get('A')?.fields.map((f) => f.computed)).toEqual([true, true, undefined])
  })

  it('reads UNIQUE and USES Entity(field), the used field declared later', () => {
    const schema = parseSchema('ENTITY Line {\n  account: string USES Account(code) REQUIRED\n  CRUD read\n}\nENTITY Account {\n  code: string REQUIRED UNIQUE\n  CRUD read\n}\n')
    expect(schema.entities.get('Account')?.fields[0]).toMatchObject({ name: 'code', unique: true, required: true })
    expect(schema.entities.get('Line')?.fields[0]).toMatchObject({ name: 'account', uses: { entity: 'Account', field: 'code' }, required: true })
  })

  it('reads INDEX among the modifiers; every REFERENCES field is indexed without it', () => {
    const schema = parseSchema('ENTITY A {\n  status: string INDEX = "x" REQUIRED\n  day: date REQUIRED INDEX\n  parent: id REFERENCES A\n  note: string\n  CRUD read\n}\n')
    const fields = schema.entities.get('A')!.fields
    expect(fields.map((f) => f.index)).toEqual([true, true, undefined, undefined])
    expect(fields.map(isIndexed)).toEqual([true, true, true, false])
    expect(indexedFields(schema.entities.get('A')!).map((f) => f.name)).toEqual(['status', 'day', 'parent'])
  })

  it('resolves references to entities declared later and to the entity itself', () => {
    const schema = parseSchema('ENTITY A {\n  b: id REFERENCES B\n  parent: id REFERENCES A\n  CRUD read\n}\nENTITY B {\n  CRUD read\n}\n')
    expect(schema.entities.get('A')?.fields.map((f) => f.references)).toEqual(['B', 'A'])
  })

  const crud = '  CRUD read\n}\n'
  // [description, text, line, column]
  const malformed: [string, string, number, number][] = [
    ['junk before ENTITY', 'ENTITIES A {\n', 1, 1],
    ['lowercase entity name', 'ENTITY invoice {\n' + crud, 1, 8],
    ['missing opening brace', 'ENTITY A\n' + crud, 1, 9],
    ['text after the opening brace', 'ENTITY A { x\n' + crud, 1, 12],
    ['missing closing brace at end of input', 'ENTITY A {\n  name: string\n  CRUD read\n', 4, 1],
    ['missing closing brace before the next entity', 'ENTITY A {\n  CRUD read\nENTITY B {\n' + crud, 3, 1],
    ['duplicate entity', 'ENTITY A {\n' + crud + 'ENTITY A {\n' + crud, 4, 8],
    ['duplicate field', 'ENTITY A {\n  name: string\n  name: string\n' + crud, 3, 3],
    ['field clashing with TIMESTAMPS', 'ENTITY A {\n  TIMESTAMPS\n  created_at: datetime\n' + crud, 3, 3],
    ['unknown type', 'ENTITY A {\n  name: text\n' + crud, 2, 9],
    ['missing colon', 'ENTITY A {\n  name string\n' + crud, 2, 8],
    ['invalid field name', 'ENTITY A {\n  Name: string\n' + crud, 2, 3],
    ['reserved id field', 'ENTITY A {\n  id: id\n' + crud, 2, 3],
    ['default of the wrong type', 'ENTITY A {\n  n: number = "3"\n' + crud, 2, 15],
    ['float default for a number', 'ENTITY A {\n  n: number = 1.5\n' + crud, 2, 15],
    ['money default without two decimals', 'ENTITY A {\n  m: money = 5\n' + crud, 2, 14],
    ['invalid date default', 'ENTITY A {\n  d: date = "2026-02-30"\n' + crud, 2, 13],
    ['default outside the IN list', 'ENTITY A {\n  s: string = "x" IN ("a", "b")\n' + crud, 2, 15],
    ['IN on a number field', 'ENTITY A {\n  n: number IN ("1")\n' + crud, 2, 13],
    ['empty IN list', 'ENTITY A {\n  s: string IN ()\n' + crud, 2, 17],
    ['duplicate IN value', 'ENTITY A {\n  s: string IN ("a", "a")\n' + crud, 2, 22],
    ['unquoted IN value', 'ENTITY A {\n  s: string IN (a)\n' + crud, 2, 17],
    ['REFERENCES on a string field', 'ENTITY A {\n  s: string REFERENCES A\n' + crud, 2, 13],
    ['REFERENCES an undeclared entity', 'ENTITY A {\n  b: id REFERENCES Missing\n' + crud, 2, 20],
    ['COMPUTED twice', 'ENTITY A {\n  m: money COMPUTED COMPUTED\n' + crud, 2, 21],
    ['UNIQUE twice', 'ENTITY A {\n  s: string UNIQUE UNIQUE\n' + crud, 2, 20],
    ['UNIQUE on a json field', 'ENTITY A {\n  j: json UNIQUE\n' + crud, 2, 11],
    ['INDEX twice', 'ENTITY A {\n  s: string INDEX INDEX\n' + crud, 2, 19],
    ['INDEX on a json field', 'ENTITY A {\n  j: json INDEX\n' + crud, 2, 11],
    ['INDEX on a float field', 'ENTITY A {\n  f: float INDEX\n' + crud, 2, 12],
    ['USES on a number field', 'ENTITY A {\n  n: number USES A(s)\n' + crud, 2, 13],
    ['USES without a field', 'ENTITY A {\n  s: string USES A\n' + crud, 2, 19],
    ['USES a field that is not UNIQUE', 'ENTITY A {\n  s: string\n  t: string USES A(s)\n' + crud, 3, 18],
    ['USES an undeclared entity', 'ENTITY A {\n  s: string USES Missing(code)\n' + crud, 2, 18],
    ['REQUIRED twice', 'ENTITY A {\n  s: string REQUIRED REQUIRED\n' + crud, 2, 22],
    ['two defaults', 'ENTITY A {\n  s: string = "a" = "b"\n' + crud, 2, 19],
    ['junk modifier', 'ENTITY A {\n  s: string OPTIONAL\n' + crud, 2, 13],
    ['unknown CRUD operation', 'ENTITY A {\n  CRUD read, update\n}\n', 2, 14],
    ['CRUD operation twice', 'ENTITY A {\n  CRUD read, read\n}\n', 2, 14],
    ['empty CRUD', 'ENTITY A {\n  CRUD\n}\n', 2, 7],
    ['trailing comma in CRUD', 'ENTITY A {\n  CRUD read,\n}\n', 2, 13],
    ['CRUD given twice', 'ENTITY A {\n  CRUD read\n  CRUD list\n}\n', 3, 3],
    ['missing CRUD', 'ENTITY A {\n  s: string\n}\n', 3, 1],
    ['TIMESTAMPS twice', 'ENTITY A {\n  TIMESTAMPS\n  TIMESTAMPS\n' + crud, 3, 3],
    ['text after the closing brace', 'ENTITY A {\n  CRUD read\n} x\n', 3, 3],
    ['unterminated string default', 'ENTITY A {\n  s: string = "abc\n' + crud, 2, 15],
    ['bad escape in a default', 'ENTITY A {\n  s: string = "a\\qb"\n' + crud, 2, 17],
    ['stray character', 'ENTITY A {\n  s: string @\n' + crud, 2, 13],
    ['column counts code points', 'ENTITY A {\n  s: string = "😀" junk\n' + crud, 2, 19],
  ]

  it.each(malformed)('rejects %s with its line and column', (_what, text, line, column) => {
    const error = parseError(text)
    expect({ line: error.line, column: error.column }).toEqual({ line, column })
    expect(error.file).toBe('test.agi')
    expect(error.message.startsWith(`test.agi:${line}:${column}: `)).toBe(true)
  })

  it('never throws anything but AgiParseError', () => {
    const pieces = fc.constantFrom(
      'ENTITY ', 'A', ' {', '}', '\n', ':', ' string', ' id', ' money', ' = ', '"x"', '0.00', ' IN (', '"a"', ',', ')',
      ' REQUIRED', ' REFERENCES ', 'TIMESTAMPS', 'CRUD ', 'read', '#', '//', '\\', '{"a":', '[', ']', ' x', '-', '1e999',
    )
    const arbitraryText = fc.oneof(fc.string({ unit: 'binary' }), fc.array(pieces, { maxLength: 40 }).map((p) => p.join('')))
    fc.assert(
      fc.property(arbitraryText, (text) => {
        try {
          parseSchema(text)
        } catch (error) {
          if (!(error instanceof AgiParseError)) throw error
        }
      }),
      { numRuns: 3000 },
    )
  })
})
