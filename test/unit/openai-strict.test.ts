import { describe, expect, it } from 'vitest'
import { withoutNullOptionals } from '../../worker/tools/null-as-absent.ts'
import { openAiStrictSchema } from '../../worker/tools/openai-strict.ts'

const object = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', properties, required, additionalProperties: false })

describe('openAiStrictSchema', () => {
  it('makes every property required, an optional one nullable, and keeps its description outside the union', () => {
    const strict = openAiStrictSchema(object({ id: { type: 'string', format: 'uuid' }, note: { type: 'string', description: 'A note.' } }, ['id']))
    expect(strict).toEqual({
      type: 'object',
      properties: { id: { type: 'string', format: 'uuid' }, note: { anyOf: [{ type: 'string' }, { type: 'null' }], description: 'A note.' } },
      required: ['id', 'note'],
      additionalProperties: false,
    })
  })

  it('spells a union of types as anyOf, adds null once, and reaches into arrays and unions of objects', () => {
    const money = { type: ['number', 'string'], description: 'An amount.' }
    const range = object({ from: { type: 'string', format: 'date' } })
    const strict = openAiStrictSchema(object({ lines: { type: 'array', items: object({ debit: money }), minItems: 1 }, on: { anyOf: [{ type: 'string' }, range] } }, ['lines']))
    expect((strict.properties as any).lines.items.properties.debit).toEqual({ anyOf: [{ type: 'number' }, { type: 'string' }, { type: 'null' }], description: 'An amount.' })
    expect((strict.properties as any).lines.minItems).toBe(1)
    expect((strict.properties as any).on.anyOf).toHaveLength(3)
    expect((strict.properties as any).on.anyOf[1].properties.from).toEqual({ anyOf: [{ type: 'string', format: 'date' }, { type: 'null' }] })
  })

  it('drops the keywords strict mode refuses, stating string lengths in the description', () => {
    const strict = openAiStrictSchema(
      object({ memo: { type: 'string', minLength: 1, maxLength: 200, description: 'What it is' }, site: { type: 'string', format: 'uri', default: 'x' } }, ['memo', 'site']),
    )
    expect(strict.properties).toEqual({ memo: { type: 'string', description: 'What it is. 1 to 200 characters.' }, site: { type: 'string' } })
  })

  it('refuses what has no strict spelling rather than serve a schema strict mode would reject', () => {
    expect(() => openAiStrictSchema({ type: 'object', properties: {} })).toThrow(/must list its properties/)
    expect(() => openAiStrictSchema(object({ meta: {} }, ['meta']))).toThrow(/any type/)
    expect(() => openAiStrictSchema(object({ phone: { anyOf: [{ type: 'string' }, { type: 'null' }] } }))).toThrow(/optional argument cannot also take null/)
    expect(() => openAiStrictSchema({ anyOf: [object({})] })).toThrow(/must be an object/)
  })
})

describe('withoutNullOptionals', () => {
  const schema = object(
    {
      id: { type: 'string' },
      where: { anyOf: [object({ status: { type: 'string' }, date: { anyOf: [{ type: 'string' }, object({ from: { type: 'string' } })] } }), { type: 'null' }] },
      lines: { type: 'array', items: object({ qty: { type: 'number' }, price: { type: 'number' } }, ['price']) },
      clear: { anyOf: [{ type: 'string' }, { type: 'null' }] },
      meta: {},
    },
    ['id'],
  )

  it('leaves out null given for an optional property, at any depth', () => {
    expect(withoutNullOptionals(schema, { id: 'a', where: { status: null, date: { from: null } }, lines: [{ qty: null, price: 1 }] })).toEqual({
      id: 'a',
      where: { date: {} },
      lines: [{ price: 1 }],
    })
  })

  it('keeps null where it is a value: a required property, one that takes null, one that takes anything', () => {
    expect(withoutNullOptionals(schema, { id: null, where: null, clear: null, meta: null, lines: [{ price: null }] })).toEqual({
      id: null,
      where: null,
      clear: null,
      meta: null,
      lines: [{ price: null }],
    })
  })

  it('keeps unknown properties for validation to refuse, and what is not an object as it is', () => {
    expect(withoutNullOptionals(schema, { id: 'a', colour: null })).toEqual({ id: 'a', colour: null })
    expect(withoutNullOptionals(schema, 'text')).toBe('text')
    expect(withoutNullOptionals(schema, null)).toBeNull()
  })
})
