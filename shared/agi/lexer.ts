/**
 * The token level of `.agi` text, shared by the ENTITY and RECORD parsers.
 *
 * The format is line-oriented: a newline is a token, spaces and tabs are not, and `//` or `#`
 * start a comment that runs to the end of the line (outside string literals). Positions are kept
 * as offsets and turned into 1-based line and column only when an error is raised.
 */
import { AgiParseError } from '../errors.ts'
import type { JsonValue } from './types.ts'

/** Entity names are PascalCase. */
export const ENTITY_NAME_PATTERN = /^[A-Z][A-Za-z0-9]*$/
/** Field names are lower snake case; they also become JSON keys and tool parameter names. */
export const FIELD_NAME_PATTERN = /^[a-z][a-z0-9_]*$/
/**
 * A record id as written bare in the RECORD header (and as the file name): UUIDs in practice; the
 * character set keeps ids path-safe and free of anything the header syntax would trip over.
 */
export const RECORD_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/

/** Deeper JSON is refused rather than risking the call stack on hostile input. */
export const MAX_JSON_DEPTH = 64

export type TokenKind = 'word' | 'string' | 'number' | 'punct' | 'newline' | 'eof'

export interface Token {
  kind: TokenKind
  /** The token's source text (for a string: with its quotes and escapes). */
  text: string
  /** The decoded value of a string token; the source text otherwise. */
  value: string
  offset: number
}

export interface JsonLiteral {
  value: JsonValue
  /** The literal exactly as written. */
  raw: string
  offset: number
}

const PUNCTUATION = '{}:,=()'
const WORD = /[A-Za-z_][A-Za-z0-9_]*/y
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y
const JSON_KEYWORD = /(?:true|false|null)(?![A-Za-z0-9_])/y
const RECORD_ID_CHARS = /[A-Za-z0-9_-]+/y
const HEX4 = /^[0-9A-Fa-f]{4}$/

const AGI_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', t: '\t', r: '\r' }
const JSON_ESCAPES: Record<string, string> = { ...AGI_ESCAPES, '/': '/', b: '\b', f: '\f' }

/** 1-based line and column of `offset`; columns count code points, as editors do. */
export function locate(text: string, offset: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line += 1
    lineStart = i + 1
  }
  let column = 1
  for (let i = lineStart; i < offset && i < text.length; i++) {
    if (isLowSurrogate(text.charCodeAt(i)) && i > lineStart && isHighSurrogate(text.charCodeAt(i - 1))) continue
    column += 1
  }
  return { line, column }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff
}

/** A short, printable description of a token for error messages. */
export function describeToken(token: Token): string {
  if (token.kind === 'eof') return 'end of input'
  if (token.kind === 'newline') return 'end of line'
  const text = token.text.length > 24 ? `${token.text.slice(0, 24)}…` : token.text
  return JSON.stringify(text)
}

function describeCharAt(text: string, offset: number): string {
  const code = text.codePointAt(offset) ?? 0
  if (code < 0x20 || code === 0x7f || (code >= 0xd800 && code <= 0xdfff) || code === 0x2028 || code === 0x2029) {
    return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`
  }
  return `'${String.fromCodePoint(code)}'`
}

export class AgiLexer {
  readonly text: string
  readonly file: string | undefined
  pos = 0

  constructor(text: string, file?: string) {
    this.text = text
    this.file = file
  }

  fail(reason: string, offset: number = this.pos): never {
    const { line, column } = locate(this.text, offset)
    throw new AgiParseError(reason, line, column, this.file)
  }

  atEnd(): boolean {
    return this.pos >= this.text.length
  }

  /** Skips spaces, tabs, the CR of a CRLF, and a comment up to (not including) the newline. */
  skipInlineSpace(): void {
    const text = this.text
    while (this.pos < text.length) {
      const ch = text[this.pos]
      if (ch === ' ' || ch === '\t' || (ch === '\r' && text[this.pos + 1] === '\n')) {
        this.pos += 1
      } else if (ch === '#' || (ch === '/' && text[this.pos + 1] === '/')) {
        const newline = text.indexOf('\n', this.pos)
        this.pos = newline === -1 ? text.length : newline
      } else {
        return
      }
    }
  }

  /** Skips whitespace, comments and newlines. */
  skipBlankLines(): void {
    for (;;) {
      this.skipInlineSpace()
      if (this.text[this.pos] !== '\n') return
      this.pos += 1
    }
  }

  next(): Token {
    this.skipInlineSpace()
    const text = this.text
    const offset = this.pos
    if (offset >= text.length) return { kind: 'eof', text: '', value: '', offset }
    const ch = text[offset] ?? ''
    if (ch === '\n') {
      this.pos += 1
      return { kind: 'newline', text: ch, value: ch, offset }
    }
    if (PUNCTUATION.includes(ch)) {
      this.pos += 1
      return { kind: 'punct', text: ch, value: ch, offset }
    }
    if (ch === '"') {
      const value = this.readQuoted(AGI_ESCAPES)
      const raw = text.slice(offset, this.pos)
      return { kind: 'string', text: raw, value, offset }
    }
    if (ch === '-' || (ch >= '0' && ch <= '9')) {
      const raw = this.readNumberText()
      return { kind: 'number', text: raw, value: raw, offset }
    }
    WORD.lastIndex = offset
    const word = WORD.exec(text)
    if (word !== null) {
      this.pos = offset + word[0].length
      return { kind: 'word', text: word[0], value: word[0], offset }
    }
    return this.fail(`unexpected character ${describeCharAt(text, offset)}`, offset)
  }

  peek(): Token {
    const saved = this.pos
    try {
      return this.next()
    } finally {
      this.pos = saved
    }
  }

  /** The bare id of a RECORD header. */
  readRecordId(): Token {
    this.skipInlineSpace()
    const offset = this.pos
    RECORD_ID_CHARS.lastIndex = offset
    const match = RECORD_ID_CHARS.exec(this.text)
    if (match === null) return this.fail(`expected a record id, found ${describeToken(this.peek())}`, offset)
    if (!RECORD_ID_PATTERN.test(match[0])) this.fail(`invalid record id ${JSON.stringify(match[0])}`, offset)
    this.pos = offset + match[0].length
    return { kind: 'word', text: match[0], value: match[0], offset }
  }

  /** A JSON number literal; refuses trailing characters that would make it something else. */
  private readNumberText(): string {
    const offset = this.pos
    NUMBER.lastIndex = offset
    const match = NUMBER.exec(this.text)
    if (match === null) return this.fail(`malformed number`, offset)
    const end = offset + match[0].length
    const following = this.text[end]
    if (following !== undefined && /[A-Za-z0-9_.+-]/.test(following)) this.fail('malformed number', offset)
    this.pos = end
    return match[0]
  }

  /**
   * A double-quoted string with the given escape set, starting at the current position. Raw control
   * characters and unpaired surrogates are refused: the first would break the line structure or hide
   * in diffs, the second cannot be stored as UTF-8.
   */
  private readQuoted(escapes: Record<string, string>): string {
    const text = this.text
    const start = this.pos
    const parts: string[] = []
    let chunkStart = start + 1
    let i = start + 1
    for (;;) {
      if (i >= text.length) return this.fail('unterminated string', start)
      const code = text.charCodeAt(i)
      if (code === 0x22) break
      if (code === 0x5c) {
        parts.push(text.slice(chunkStart, i))
        const escape = text[i + 1]
        if (escape === 'u') {
          const hex = text.slice(i + 2, i + 6)
          if (!HEX4.test(hex)) this.fail('invalid \\u escape: expected four hex digits', i)
          parts.push(String.fromCharCode(parseInt(hex, 16)))
          i += 6
        } else if (escape !== undefined && Object.hasOwn(escapes, escape)) {
          parts.push(escapes[escape] ?? '')
          i += 2
        } else {
          this.fail(`invalid escape ${escape === undefined ? '\\' : JSON.stringify(`\\${escape}`)}`, i)
        }
        chunkStart = i
        continue
      }
      if (code === 0x0a) return this.fail('unterminated string', start)
      if (code < 0x20) this.fail(`raw control character ${describeCharAt(text, i)} in string; write it as an escape`, i)
      if (isHighSurrogate(code) && isLowSurrogate(text.charCodeAt(i + 1))) {
        i += 2
        continue
      }
      if (isHighSurrogate(code) || isLowSurrogate(code)) this.fail('unpaired surrogate in string; write it as a \\u escape', i)
      i += 1
    }
    parts.push(text.slice(chunkStart, i))
    this.pos = i + 1
    return parts.join('')
  }

  /** A JSON value (object, array, string, number, true, false or null) on the current line. */
  readJsonValue(): JsonLiteral {
    this.skipInlineSpace()
    const offset = this.pos
    const value = this.readJson(0)
    return { value, raw: this.text.slice(offset, this.pos), offset }
  }

  private skipJsonSpace(): void {
    while (this.text[this.pos] === ' ' || this.text[this.pos] === '\t') this.pos += 1
  }

  private readJson(depth: number): JsonValue {
    if (depth > MAX_JSON_DEPTH) this.fail(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`)
    const text = this.text
    const offset = this.pos
    const ch = text[offset]
    if (ch === '{') return this.readJsonObject(depth)
    if (ch === '[') return this.readJsonArray(depth)
    if (ch === '"') return this.readQuoted(JSON_ESCAPES)
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) {
      const number = Number(this.readNumberText())
      if (!Number.isFinite(number)) this.fail('number out of range', offset)
      // -0 has no distinct canonical JSON form; normalising keeps parse(serialize(x)) stable.
      return number === 0 ? 0 : number
    }
    JSON_KEYWORD.lastIndex = offset
    const keyword = JSON_KEYWORD.exec(text)
    if (keyword !== null) {
      this.pos = offset + keyword[0].length
      return keyword[0] === 'null' ? null : keyword[0] === 'true'
    }
    if (ch === undefined || ch === '\n') return this.fail('expected a value', offset)
    return this.fail(`expected a JSON value, found ${describeCharAt(text, offset)}`, offset)
  }

  private readJsonObject(depth: number): JsonValue {
    const object: { [key: string]: JsonValue } = {}
    const keys = new Set<string>()
    this.pos += 1
    this.skipJsonSpace()
    if (this.text[this.pos] === '}') {
      this.pos += 1
      return object
    }
    for (;;) {
      const keyOffset = this.pos
      if (this.text[keyOffset] !== '"') this.fail('expected a string key in JSON object', keyOffset)
      const key = this.readQuoted(JSON_ESCAPES)
      if (keys.has(key)) this.fail(`duplicate key ${JSON.stringify(key)} in JSON object`, keyOffset)
      keys.add(key)
      this.skipJsonSpace()
      if (this.text[this.pos] !== ':') this.fail("expected ':' in JSON object")
      this.pos += 1
      this.skipJsonSpace()
      const value = this.readJson(depth + 1)
      // defineProperty, not assignment: a key named "__proto__" must stay an ordinary own property.
      Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true })
      this.skipJsonSpace()
      const separator = this.text[this.pos]
      this.pos += 1
      if (separator === '}') return object
      if (separator !== ',') this.fail("expected ',' or '}' in JSON object", this.pos - 1)
      this.skipJsonSpace()
    }
  }

  private readJsonArray(depth: number): JsonValue {
    const array: JsonValue[] = []
    this.pos += 1
    this.skipJsonSpace()
    if (this.text[this.pos] === ']') {
      this.pos += 1
      return array
    }
    for (;;) {
      array.push(this.readJson(depth + 1))
      this.skipJsonSpace()
      const separator = this.text[this.pos]
      this.pos += 1
      if (separator === ']') return array
      if (separator !== ',') this.fail("expected ',' or ']' in JSON array", this.pos - 1)
      this.skipJsonSpace()
    }
  }
}

/**
 * True if `raw` is exactly one literal as an unknown field may hold it: a quoted `.agi` string or a
 * JSON value (number, true/false/null, object, array). Used to refuse writing a kept literal that
 * would not read back.
 */
export function isSingleLiteral(raw: string): boolean {
  const lexer = new AgiLexer(raw)
  try {
    // Comparing the text read with the whole input also refuses surrounding spaces and comments.
    return readLiteralText(lexer) === raw
  } catch {
    return false
  }
}

/** Reads one literal for a field the schema does not declare and returns its source text verbatim. */
export function readLiteralText(lexer: AgiLexer): string {
  lexer.skipInlineSpace()
  if (lexer.text[lexer.pos] === '"') return lexer.next().text
  return lexer.readJsonValue().raw
}
