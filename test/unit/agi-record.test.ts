import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseRecord, parseSchema, quoteString, serializeRecord, type AgiRecord, type FieldType, type FieldValue } from '../../shared/agi/index.ts'
import { AgiParseError, ValidationError } from '../../shared/errors.ts'
import { MAX_MONEY_CENTS } from '../../shared/money.ts'
import { ERP_SCHEMA } from '../../shared/schema/index.ts'

const SCHEMA = parseSchema(
  `
ENTITY Sample {
  text:    string
  count:   number
  ratio:   float
  amount:  money
  flag:    bool
  day:     date
  at:      datetime
  data:    json
  ref:     id
  TIMESTAMPS
  CRUD create, read, list, edit, delete
}
`,
  'sample.agi',
)

/** Any UTF-16 code unit, so unpaired surrogates occur too (fast-check's 'binary' unit never yields them). */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code))

/** Strings biased towards everything that could confuse a line-oriented parser. */
const trickyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: codeUnit, maxLength: 20 }),
  fc.string({
    unit: fc.constantFrom('"', '\\', '{', '}', '\n', '\t', '\r', '}\n', '\n}\n', ':', '#', '//', '😀', 'é', '\u2028', '\u0000', '\u001f', '\ud800', '\udfff', ' ', 'a', '\\u0041', 'ß'),
    maxLength: 30,
  }),
)

const day = fc
  .date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true })
  .map((d) => d.toISOString())

const valueOfType: Record<FieldType, fc.Arbitrary<FieldValue>> = {
  string: trickyString,
  number: fc.maxSafeInteger().map((n) => (n === 0 ? 0 : n)),
  float: fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (n === 0 ? 0 : n)),
  money: fc.bigInt({ min: -MAX_MONEY_CENTS, max: MAX_MONEY_CENTS }),
  bool: fc.boolean(),
  date: day.map((iso) => iso.slice(0, 10)),
  datetime: fc.tuple(day, fc.boolean()).map(([iso, millis]) => (millis ? iso : `${iso.slice(0, 19)}Z`)),
  // JSON.parse(JSON.stringify()) drops -0, which JSON cannot tell apart from 0.
  json: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)) as FieldValue),
  id: fc.oneof(fc.uuid(), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,20}$/)),
}

const fieldOfType: Record<FieldType, string> = {
  string: 'text', number: 'count', float: 'ratio', money: 'amount', bool: 'flag', date: 'day', datetime: 'at', json: 'data', id: 'ref',
}

const recordId = fc.oneof(fc.uuid(), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,30}$/))

/** Literals as an older schema might have left them: strings, numbers, booleans, JSON. */
const unknownLiteral = fc.oneof(
  trickyString.map(quoteString),
  fc.integer().map(String),
  fc.constantFrom('12.50', '-0.05', '1e-7', 'true', 'false', 'null', '{ "spaced" : [1, 2] }', '[]', '"a\\u00e9\\n"'),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
)

const unknownFields = fc.dictionary(
  fc.stringMatching(/^[a-z][a-z0-9_]{0,12}$/).filter((name) => !SCHEMA.entities.get('Sample')?.fields.some((f) => f.name === name)),
  unknownLiteral,
  { maxKeys: 4 },
)

const fullRecord: fc.Arbitrary<AgiRecord> = fc
  .tuple(
    recordId,
    fc.record(
      {
        text: valueOfType.string, count: valueOfType.number, ratio: valueOfType.float, amount: valueOfType.money,
        flag: valueOfType.bool, day: valueOfType.date, at: valueOfType.datetime, data: valueOfType.json, ref: valueOfType.id,
        created_at: valueOfType.datetime, updated_at: valueOfType.datetime,
      },
      { requiredKeys: [] },
    ),
    unknownFields,
  )
  .map(([id, fields, unknown]) => ({ entity: 'Sample', id, fields: fields as Record<string, FieldValue>, unknown }))

function roundTrip(record: AgiRecord): AgiRecord {
  return parseRecord(serializeRecord(record, SCHEMA), SCHEMA).record
}

describe('round trip parse(serialize(r)) = r', () => {
  it.each(Object.keys(fieldOfType) as FieldType[])('for 1,000 records with a %s field', (type) => {
    fc.assert(
      fc.property(recordId, valueOfType[type], (id, value) => {
        const record: AgiRecord = { entity: 'Sample', id, fields: { [fieldOfType[type]]: value }, unknown: {} }
        expect(roundTrip(record)).toEqual(record)
      }),
      { numRuns: 1000 },
    )
  })

  it('for 1,000 records mixing every type with unknown fields, and bytes are stable', () => {
    fc.assert(
      fc.property(fullRecord, (record) => {
        const text = serializeRecord(record, SCHEMA)
        const parsed = parseRecord(text, SCHEMA)
        expect(parsed.record).toEqual(record)
        expect(parsed.unknownFields.sort()).toEqual(Object.keys(record.unknown).sort())
        expect(serializeRecord(parsed.record, SCHEMA)).toBe(text)
      }),
      { numRuns: 1000 },
    )
  })

  it('keeps unknown literals verbatim, including their inner spacing', () => {
    const text = 'RECORD Sample x1 {\n  zeta : { "b" : [1, 2] , "a" : "}" }\n  alpha : 12.5\n  mid : "q\\"uote"\n}\n'
    const { record, unknownFields } = parseRecord(text, SCHEMA)
    expect(unknownFields).toEqual(['zeta', 'alpha', 'mid'])
    expect(record.unknown).toEqual({ zeta: '{ "b" : [1, 2] , "a" : "}" }', alpha: '12.5', mid: '"q\\"uote"' })
    expect(serializeRecord(record, SCHEMA)).toBe(
      'RECORD Sample x1 {\n  alpha : 12.5\n  mid   : "q\\"uote"\n  zeta  : { "b" : [1, 2] , "a" : "}" }\n}\n',
    )
  })
})

describe('serializeRecord', () => {
  it('writes a full Invoice in its canonical form (golden bytes)', () => {
    const record: AgiRecord = {
      entity: 'Invoice',
      id: '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001',
      fields: {
        // deliberately not in declaration order: the output order comes from the schema
        updated_at: '2026-06-25T10:05:00.250Z',
        total: 185000n,
        tenant_id: 'acme',
        customer_id: '0193f6c1-4b2a-7d10-8c3e-5a6b7c8d9e0f',
        number: 'INV-2026-0042',
        status: 'sent',
        issue_date: '2026-06-25',
        due_date: '2026-07-25',
        currency: 'USD',
        amount_paid: -5n,
        notes: 'Thanks! "Net 30"\n\tpay to: IBAN…\\ 😀 \u2028 \u0007',
        created_at: '2026-06-25T10:00:00Z',
      },
      unknown: { legacy_ref: '"PO-7"', approved: 'true' },
    }
    expect(serializeRecord(record, ERP_SCHEMA)).toBe(
      [
        'RECORD Invoice 0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001 {',
        '  tenant_id   : "acme"',
        '  customer_id : "0193f6c1-4b2a-7d10-8c3e-5a6b7c8d9e0f"',
        '  number      : "INV-2026-0042"',
        '  status      : "sent"',
        '  issue_date  : "2026-06-25"',
        '  due_date    : "2026-07-25"',
        '  currency    : "USD"',
        '  total       : 1850.00',
        '  amount_paid : -0.05',
        '  notes       : "Thanks! \\"Net 30\\"\\n\\tpay to: IBAN…\\\\ 😀 \\u2028 \\u0007"',
        '  created_at  : "2026-06-25T10:00:00Z"',
        '  updated_at  : "2026-06-25T10:05:00.250Z"',
        '  approved    : true',
        '  legacy_ref  : "PO-7"',
        '}',
        '',
      ].join('\n'),
    )
  })

  it('sorts JSON keys recursively, writes shortest floats and escapes unpaired surrogates', () => {
    const record: AgiRecord = {
      entity: 'Sample',
      id: 'a',
      fields: { data: { b: 1, a: [{ z: null, y: 'x' }], __proto__x: true }, ratio: 0.1 + 0.2, text: 'lone \ud800 pair 😀', count: -0 },
      unknown: {},
    }
    expect(serializeRecord(record, SCHEMA)).toBe(
      'RECORD Sample a {\n  text  : "lone \\ud800 pair 😀"\n  count : 0\n  ratio : 0.30000000000000004\n' +
        '  data  : {"__proto__x":true,"a":[{"y":"x","z":null}],"b":1}\n}\n',
    )
  })

  it('writes an empty record as a header and a closing brace', () => {
    expect(serializeRecord({ entity: 'Sample', id: 'e', fields: {}, unknown: {} }, SCHEMA)).toBe('RECORD Sample e {\n}\n')
  })

  const refusals: [string, AgiRecord][] = [
    ['unknown entity', { entity: 'Nope', id: 'a', fields: {}, unknown: {} }],
    ['id with a space', { entity: 'Sample', id: 'a b', fields: {}, unknown: {} }],
    ['undeclared field outside unknown', { entity: 'Sample', id: 'a', fields: { other: 'x' }, unknown: {} }],
    ['money as a number', { entity: 'Sample', id: 'a', fields: { amount: 12.5 }, unknown: {} }],
    ['money out of range', { entity: 'Sample', id: 'a', fields: { amount: MAX_MONEY_CENTS + 1n }, unknown: {} }],
    ['NaN float', { entity: 'Sample', id: 'a', fields: { ratio: Number.NaN }, unknown: {} }],
    ['impossible date', { entity: 'Sample', id: 'a', fields: { day: '2026-02-29' }, unknown: {} }],
    ['declared field in unknown', { entity: 'Sample', id: 'a', fields: {}, unknown: { text: '"x"' } }],
    ['multi-line unknown literal', { entity: 'Sample', id: 'a', fields: {}, unknown: { extra: '"a"\n  b : 1' } }],
    ['unknown literal with padding', { entity: 'Sample', id: 'a', fields: {}, unknown: { extra: ' 1' } }],
  ]
  it.each(refusals)('refuses a record it could not read back: %s', (_what, record) => {
    expect(() => serializeRecord(record, SCHEMA)).toThrow(ValidationError)
  })
})

describe('parseRecord', () => {
  it('accepts comments, blank lines, CRLF and non-canonical spacing; checks the path', () => {
    const text = '# header comment\r\n\r\nRECORD Sample r1 {  // open\r\n\n  amount:-1.50\r\n  flag :true # yes\r\n}\r\n// trailing\r\n'
    const parsed = parseRecord(text, SCHEMA, { expect: { entity: 'Sample', id: 'r1' } })
    expect(parsed.record).toEqual({ entity: 'Sample', id: 'r1', fields: { amount: -150n, flag: true }, unknown: {} })
    expect(parsed.unknownFields).toEqual([])
  })

  const valid = 'RECORD Sample r1 {\n  text : "x"\n}\n'
  // [description, text, line, column, expect?]
  const malformed: [string, string, number, number, { entity: string; id: string }?][] = [
    ['empty text', '', 1, 1],
    ['wrong keyword', 'RECORDS Sample r1 {\n}\n', 1, 1],
    ['unknown entity', 'RECORD Nope r1 {\n}\n', 1, 8],
    ['entity disagreeing with the path', valid, 1, 8, { entity: 'Invoice', id: 'r1' }],
    ['id disagreeing with the path', valid, 1, 15, { entity: 'Sample', id: 'r2' }],
    ['missing id', 'RECORD Sample {\n}\n', 1, 15],
    ['invalid id', 'RECORD Sample -r1 {\n}\n', 1, 15],
    ['missing opening brace', 'RECORD Sample r1\n}\n', 1, 17],
    ['field on the header line', 'RECORD Sample r1 { text : "x"\n}\n', 1, 20],
    ['missing closing brace', 'RECORD Sample r1 {\n  text : "x"\n', 3, 1],
    ['duplicate field', 'RECORD Sample r1 {\n  text : "x"\n  text : "y"\n}\n', 3, 3],
    ['missing colon', 'RECORD Sample r1 {\n  text "x"\n}\n', 2, 8],
    ['invalid field name', 'RECORD Sample r1 {\n  Text : "x"\n}\n', 2, 3],
    ['two values on a line', 'RECORD Sample r1 {\n  text : "x" "y"\n}\n', 2, 14],
    ['unquoted string', 'RECORD Sample r1 {\n  text : hello\n}\n', 2, 10],
    ['bad escape', 'RECORD Sample r1 {\n  text : "a\\x"\n}\n', 2, 12],
    ['short \\u escape', 'RECORD Sample r1 {\n  text : "\\u12"\n}\n', 2, 11],
    ['raw tab in a string', 'RECORD Sample r1 {\n  text : "a\tb"\n}\n', 2, 12],
    ['unterminated string', 'RECORD Sample r1 {\n  text : "abc\n}\n', 2, 10],
    ['unpaired surrogate written raw', 'RECORD Sample r1 {\n  text : "a\ud800"\n}\n', 2, 12],
    ['money with one decimal', 'RECORD Sample r1 {\n  amount : 12.5\n}\n', 2, 12],
    ['money with three decimals', 'RECORD Sample r1 {\n  amount : 12.500\n}\n', 2, 12],
    ['money with a leading zero', 'RECORD Sample r1 {\n  amount : 012.50\n}\n', 2, 12],
    ['money out of range', 'RECORD Sample r1 {\n  amount : 10000000000000.00\n}\n', 2, 12],
    ['fractional number', 'RECORD Sample r1 {\n  count : 1.5\n}\n', 2, 11],
    ['unsafe integer', 'RECORD Sample r1 {\n  count : 9007199254740993\n}\n', 2, 11],
    ['infinite float', 'RECORD Sample r1 {\n  ratio : 1e999\n}\n', 2, 11],
    ['capitalised bool', 'RECORD Sample r1 {\n  flag : True\n}\n', 2, 10],
    ['impossible date', 'RECORD Sample r1 {\n  day : "2025-02-29"\n}\n', 2, 9],
    ['datetime without Z', 'RECORD Sample r1 {\n  at : "2026-06-25T10:00:00"\n}\n', 2, 8],
    ['unquoted id', 'RECORD Sample r1 {\n  ref : abc\n}\n', 2, 9],
    ['unterminated JSON object', 'RECORD Sample r1 {\n  data : {"a": 1\n}\n', 2, 17],
    ['trailing comma in JSON', 'RECORD Sample r1 {\n  data : [1,]\n}\n', 2, 13],
    ['duplicate JSON key', 'RECORD Sample r1 {\n  data : {"a":1,"a":2}\n}\n', 2, 17],
    ['single-quoted JSON', "RECORD Sample r1 {\n  data : {'a':1}\n}\n", 2, 11],
    ['too deeply nested JSON', `RECORD Sample r1 {\n  data : ${'['.repeat(70)}${']'.repeat(70)}\n}\n`, 2, 75],
    ['missing value', 'RECORD Sample r1 {\n  extra :\n}\n', 2, 10],
    ['unknown field with a bare word', 'RECORD Sample r1 {\n  extra : maybe\n}\n', 2, 11],
    ['text after the closing brace', 'RECORD Sample r1 {\n}\nRECORD Sample r2 {\n}\n', 3, 1],
    ['column counts code points', 'RECORD Sample r1 {\n  text : "😀😀" x\n}\n', 2, 15],
  ]

  it.each(malformed)('rejects %s with its line and column', (_what, text, line, column, expected) => {
    let error: unknown
    try {
      parseRecord(text, SCHEMA, { file: 'data/acme/Sample/r1.agi', ...(expected ? { expect: expected } : {}) })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(AgiParseError)
    const parseError = error as AgiParseError
    expect({ line: parseError.line, column: parseError.column }).toEqual({ line, column })
    expect(parseError.message.startsWith(`data/acme/Sample/r1.agi:${line}:${column}: `)).toBe(true)
  })

  function onlyParseErrors(text: string): void {
    try {
      parseRecord(text, SCHEMA)
    } catch (error) {
      if (!(error instanceof AgiParseError)) throw error
      // the position must exist in the text: a line that is there, a column at most one past its end
      const lines = text.split('\n')
      expect(error.line).toBeGreaterThanOrEqual(1)
      expect(error.line).toBeLessThanOrEqual(lines.length)
      expect(error.column).toBeGreaterThanOrEqual(1)
      expect(error.column).toBeLessThanOrEqual([...(lines[error.line - 1] ?? '')].length + 1)
    }
  }

  it('throws nothing but AgiParseError for arbitrary text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), onlyParseErrors), { numRuns: 3000 })
    fc.assert(fc.property(fc.string({ unit: codeUnit, maxLength: 200 }), onlyParseErrors), { numRuns: 1000 })
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }).map((s) => `RECORD Sample r1 {\n  ${s}\n}\n`), onlyParseErrors),
      { numRuns: 2000 },
    )
  })

  it('throws nothing but AgiParseError for mutated valid records', () => {
    const edit = fc.record({
      at: fc.nat(),
      remove: fc.nat({ max: 3 }),
      insert: fc.oneof(fc.string({ unit: 'binary', maxLength: 3 }), fc.constantFrom('"', '\\', '{', '}', '[', '\n', ':', '#', '-', '.', 'e', '0', ',', '\\u')),
    })
    fc.assert(
      fc.property(fullRecord, fc.array(edit, { minLength: 1, maxLength: 4 }), (record, edits) => {
        let text = serializeRecord(record, SCHEMA)
        for (const { at, remove, insert } of edits) {
          const position = at % (text.length + 1)
          text = text.slice(0, position) + insert + text.slice(position + remove)
        }
        onlyParseErrors(text)
      }),
      { numRuns: 3000 },
    )
  })
})
