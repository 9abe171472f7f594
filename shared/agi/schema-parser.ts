/**
 * ENTITY text → Schema.
 *
 * ```
 * ENTITY Invoice {
 *   customer_id: id REQUIRED REFERENCES Customer
 *   status:      string = "draft" IN ("draft", "sent", "paid", "void") REQUIRED
 *   TIMESTAMPS
 *   CRUD create, read, list, edit
 * }
 * ```
 * A field line is `name: type` followed by modifiers in any order: `REQUIRED`, `= default`,
 * `IN (...)` (string fields), `REFERENCES Entity` (id fields), `COMPUTED` (written only by intent tools,
 * which keep it consistent with other records, never by a generic create or edit), `UNIQUE` (one record per
 * value in a tenant), `USES Entity(field)` (names a record by a UNIQUE value, which then never changes) and `INDEX` (the
 * store keeps an index of the field, so lists filtered on it cost per page; every `REFERENCES` field is indexed
 * without it; `INDEX BY date` keeps each value's entries in the order of a REQUIRED date field). `CRUD` is mandatory so that no
 * entity is ever writable by accident.
 */
import { AgiLexer, describeToken, ENTITY_NAME_PATTERN, FIELD_NAME_PATTERN, type Token } from './lexer.ts'
import { readFieldValue } from './record-parser.ts'
import { CRUD_OPERATIONS, FIELD_TYPES, INDEXABLE_TYPES, type CrudOperation, type EntitySpec, type FieldSpec, type FieldType, type Schema } from './types.ts'

interface PendingReference {
  target: string
  /** For `USES Entity(field)`: the field, which must be UNIQUE. */
  field?: string
  offset: number
}

function isToken(token: Token, kind: Token['kind'], text?: string): boolean {
  return token.kind === kind && (text === undefined || token.text === text)
}

function expectLineEnd(lexer: AgiLexer): void {
  const token = lexer.next()
  if (token.kind !== 'newline' && token.kind !== 'eof') lexer.fail(`expected end of line, found ${describeToken(token)}`, token.offset)
}

function expectPunct(lexer: AgiLexer, punct: string, context: string): Token {
  const token = lexer.next()
  if (!isToken(token, 'punct', punct)) lexer.fail(`expected '${punct}' ${context}, found ${describeToken(token)}`, token.offset)
  return token
}

/**
 * Parses ENTITY blocks. References are resolved once every entity is known, so entities may refer
 * to each other (and to themselves) in any order.
 * @throws AgiParseError with the line and column of the offending token.
 */
export function parseSchema(text: string, file?: string): Schema {
  const lexer = new AgiLexer(text, file)
  const entities = new Map<string, EntitySpec>()
  const references: PendingReference[] = []
  for (;;) {
    lexer.skipBlankLines()
    const token = lexer.next()
    if (token.kind === 'eof') break
    if (!isToken(token, 'word', 'ENTITY')) lexer.fail(`expected ENTITY, found ${describeToken(token)}`, token.offset)
    const entity = parseEntity(lexer, entities, references)
    entities.set(entity.name, entity)
  }
  for (const reference of references) {
    const target = entities.get(reference.target)
    if (target === undefined) {
      lexer.fail(`${reference.field === undefined ? 'REFERENCES' : 'USES'} unknown entity ${reference.target}`, reference.offset)
    } else if (reference.field !== undefined && target.fields.find((field) => field.name === reference.field)?.unique !== true) {
      lexer.fail(`USES ${reference.target}(${reference.field}) needs a UNIQUE field ${reference.field} in ${reference.target}`, reference.offset)
    }
  }
  return { entities }
}

function parseEntity(lexer: AgiLexer, entities: ReadonlyMap<string, EntitySpec>, references: PendingReference[]): EntitySpec {
  const nameToken = lexer.next()
  if (nameToken.kind !== 'word' || !ENTITY_NAME_PATTERN.test(nameToken.text)) {
    lexer.fail(`expected an entity name in PascalCase, found ${describeToken(nameToken)}`, nameToken.offset)
  }
  const name = nameToken.text
  if (entities.has(name)) lexer.fail(`duplicate entity ${name}`, nameToken.offset)
  expectPunct(lexer, '{', `after ENTITY ${name}`)
  expectLineEnd(lexer)

  const fields: FieldSpec[] = []
  const fieldNames = new Set<string>()
  let timestamps = false
  let crud: Set<CrudOperation> | undefined
  const orders: PendingOrder[] = []
  const addField = (field: FieldSpec, offset: number): void => {
    if (fieldNames.has(field.name)) lexer.fail(`duplicate field ${field.name} in ${name}`, offset)
    fieldNames.add(field.name)
    fields.push(Object.freeze(field))
  }

  for (;;) {
    lexer.skipBlankLines()
    const token = lexer.next()
    if (token.kind === 'eof' || isToken(token, 'word', 'ENTITY')) lexer.fail(`ENTITY ${name} is missing its closing '}'`, token.offset)
    if (isToken(token, 'punct', '}')) {
      if (crud === undefined) lexer.fail(`ENTITY ${name} has no CRUD clause; list its allowed operations`, token.offset)
      expectLineEnd(lexer)
      break
    }
    if (isToken(token, 'word', 'TIMESTAMPS')) {
      if (timestamps) lexer.fail(`TIMESTAMPS given twice in ${name}`, token.offset)
      timestamps = true
      addField({ name: 'created_at', type: 'datetime', required: true }, token.offset)
      addField({ name: 'updated_at', type: 'datetime', required: true }, token.offset)
    } else if (isToken(token, 'word', 'CRUD')) {
      if (crud !== undefined) lexer.fail(`CRUD given twice in ${name}`, token.offset)
      crud = parseCrud(lexer)
      continue // parseCrud consumed the line end
    } else if (token.kind === 'word') {
      const field = parseField(lexer, token, references, orders)
      addField(field, token.offset)
      continue // parseField stops at the line end it consumed
    } else {
      lexer.fail(`expected a field, TIMESTAMPS, CRUD or '}', found ${describeToken(token)}`, token.offset)
    }
    expectLineEnd(lexer)
  }
  for (const { field, order, offset } of orders) {
    const by = fields.find((candidate) => candidate.name === order)
    if (by === undefined) lexer.fail(`INDEX BY ${order}: ${name} has no field ${order}`, offset)
    if (by.name === field) lexer.fail(`INDEX BY ${order}: a field cannot order its own index`, offset)
    if (!ORDERING_TYPES.includes(by.type) || !by.required) lexer.fail(`INDEX BY ${order}: the order field must be a REQUIRED ${ORDERING_TYPES.join(' or ')} field`, offset)
  }
  return Object.freeze({ name, fields: Object.freeze(fields), timestamps, crud: crud ?? new Set() })
}

function parseCrud(lexer: AgiLexer): Set<CrudOperation> {
  const operations = new Set<CrudOperation>()
  for (;;) {
    const token = lexer.next()
    if (token.kind !== 'word') lexer.fail(`expected a CRUD operation (${CRUD_OPERATIONS.join(', ')}), found ${describeToken(token)}`, token.offset)
    const operation = CRUD_OPERATIONS.find((op) => op === token.text)
    if (operation === undefined) lexer.fail(`unknown CRUD operation ${token.text}; expected one of ${CRUD_OPERATIONS.join(', ')}`, token.offset)
    if (operations.has(operation)) lexer.fail(`CRUD operation ${operation} listed twice`, token.offset)
    operations.add(operation)
    const separator = lexer.next()
    if (separator.kind === 'newline' || separator.kind === 'eof') return operations
    if (!isToken(separator, 'punct', ',')) lexer.fail(`expected ',' or end of line in CRUD, found ${describeToken(separator)}`, separator.offset)
  }
}

/** An `INDEX BY` clause, checked once the entity's every field is known. */
interface PendingOrder {
  field: string
  order: string
  offset: number
}

/** Types whose values sort as text in their own order, so an index can keep its entries in that order. */
const ORDERING_TYPES: readonly FieldType[] = ['date', 'datetime']

function parseField(lexer: AgiLexer, nameToken: Token, references: PendingReference[], orders: PendingOrder[]): FieldSpec {
  const name = nameToken.text
  if (!FIELD_NAME_PATTERN.test(name)) {
    lexer.fail(`invalid field name ${JSON.stringify(name)}: use lowercase letters, digits and _`, nameToken.offset)
  }
  if (name === 'id') lexer.fail('field name id is reserved: the record id lives in the RECORD header', nameToken.offset)
  expectPunct(lexer, ':', `after field name ${name}`)
  const typeToken = lexer.next()
  const type = FIELD_TYPES.find((t) => typeToken.kind === 'word' && t === typeToken.text)
  if (type === undefined) {
    lexer.fail(`unknown type ${describeToken(typeToken)}; expected one of ${FIELD_TYPES.join(', ')}`, typeToken.offset)
  }

  const field: FieldSpec = { name, type, required: false }
  let requiredSeen = false
  let defaultOffset: number | undefined
  for (;;) {
    const token = lexer.next()
    if (token.kind === 'newline' || token.kind === 'eof') break
    if (isToken(token, 'word', 'REQUIRED')) {
      if (requiredSeen) lexer.fail(`REQUIRED given twice for ${name}`, token.offset)
      requiredSeen = true
      field.required = true
    } else if (isToken(token, 'punct', '=')) {
      if (defaultOffset !== undefined) lexer.fail(`second default for ${name}`, token.offset)
      lexer.skipInlineSpace()
      defaultOffset = lexer.pos
      field.default = readFieldValue(lexer, name, type)
    } else if (isToken(token, 'word', 'COMPUTED')) {
      if (field.computed === true) lexer.fail(`COMPUTED given twice for ${name}`, token.offset)
      field.computed = true
    } else if (isToken(token, 'word', 'USES')) {
      if (type !== 'string') lexer.fail(`USES applies only to string fields; ${name} is ${type}`, token.offset)
      if (field.uses !== undefined) lexer.fail(`USES given twice for ${name}`, token.offset)
      const target = lexer.next()
      if (target.kind !== 'word' || !ENTITY_NAME_PATTERN.test(target.text)) lexer.fail(`expected Entity(field) after USES, found ${describeToken(target)}`, target.offset)
      expectPunct(lexer, '(', `after USES ${target.text}`)
      const used = lexer.next()
      if (used.kind !== 'word' || !FIELD_NAME_PATTERN.test(used.text)) lexer.fail(`expected a field name in USES ${target.text}(...), found ${describeToken(used)}`, used.offset)
      expectPunct(lexer, ')', `after USES ${target.text}(${used.text}`)
      field.uses = { entity: target.text, field: used.text }
      references.push({ target: target.text, field: used.text, offset: target.offset })
    } else if (isToken(token, 'word', 'UNIQUE')) {
      if (field.unique === true) lexer.fail(`UNIQUE given twice for ${name}`, token.offset)
      if (type === 'json') lexer.fail(`UNIQUE does not apply to json fields`, token.offset)
      field.unique = true
    } else if (isToken(token, 'word', 'INDEX')) {
      if (field.index === true) lexer.fail(`INDEX given twice for ${name}`, token.offset)
      if (!INDEXABLE_TYPES.includes(type)) lexer.fail(`INDEX does not apply to ${type} fields; it takes ${INDEXABLE_TYPES.join(', ')}`, token.offset)
      field.index = true
      if (isToken(lexer.peek(), 'word', 'BY')) {
        lexer.next()
        const order = lexer.next()
        if (order.kind !== 'word' || !FIELD_NAME_PATTERN.test(order.text)) lexer.fail(`expected a field name after INDEX BY, found ${describeToken(order)}`, order.offset)
        field.indexOrder = order.text
        orders.push({ field: name, order: order.text, offset: order.offset })
      }
    } else if (isToken(token, 'word', 'IN')) {
      if (type !== 'string') lexer.fail(`IN applies only to string fields; ${name} is ${type}`, token.offset)
      if (field.oneOf !== undefined) lexer.fail(`IN given twice for ${name}`, token.offset)
      field.oneOf = parseAllowedValues(lexer, name)
    } else if (isToken(token, 'word', 'REFERENCES')) {
      if (type !== 'id') lexer.fail(`REFERENCES applies only to id fields; ${name} is ${type}`, token.offset)
      if (field.references !== undefined) lexer.fail(`REFERENCES given twice for ${name}`, token.offset)
      const target = lexer.next()
      if (target.kind !== 'word' || !ENTITY_NAME_PATTERN.test(target.text)) {
        lexer.fail(`expected an entity name after REFERENCES, found ${describeToken(target)}`, target.offset)
      }
      field.references = target.text
      references.push({ target: target.text, offset: target.offset })
    } else {
      lexer.fail(`unexpected ${describeToken(token)} in the declaration of ${name}`, token.offset)
    }
  }
  if (defaultOffset !== undefined && field.oneOf !== undefined && !field.oneOf.includes(field.default as string)) {
    lexer.fail(`default of ${name} is not one of its IN values`, defaultOffset)
  }
  return field
}

function parseAllowedValues(lexer: AgiLexer, name: string): readonly string[] {
  expectPunct(lexer, '(', `after IN`)
  const values: string[] = []
  for (;;) {
    const token = lexer.next()
    if (token.kind !== 'string') lexer.fail(`expected a quoted value in the IN list of ${name}, found ${describeToken(token)}`, token.offset)
    if (values.includes(token.value)) lexer.fail(`${token.text} listed twice in the IN list of ${name}`, token.offset)
    values.push(token.value)
    const separator = lexer.next()
    if (isToken(separator, 'punct', ')')) return Object.freeze(values)
    if (!isToken(separator, 'punct', ',')) lexer.fail(`expected ',' or ')' in the IN list of ${name}, found ${describeToken(separator)}`, separator.offset)
  }
}
