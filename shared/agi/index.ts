export * from './types.ts'
export { parseSchema } from './schema-parser.ts'
export { parseRecord, type ParsedRecord, type ParseRecordOptions } from './record-parser.ts'
export { canonicalJson, quoteString, serializeRecord } from './record-serializer.ts'
export {
  coerceInput,
  isCalendarDate,
  isUtcDatetime,
  recordToJson,
  storedValueProblem,
  TIMESTAMP_FIELDS,
  toJsonValue,
  validateRecord,
  type CoerceResult,
} from './validate.ts'
export { ENTITY_NAME_PATTERN, FIELD_NAME_PATTERN, locate, MAX_JSON_DEPTH, RECORD_ID_PATTERN } from './lexer.ts'
