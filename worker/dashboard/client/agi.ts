/**
 * Reads a record's canonical `.agi` text for display. The Worker has already validated it against the schema,
 * and canonical text has exactly one field per line (`  name : literal`), so a line reader is enough here; the
 * full parser lives in shared/agi and never ships to the browser.
 */

export interface DisplayField {
  name: string
  /** Strings unquoted and unescaped; every other literal (money, numbers, dates, JSON) as written. */
  value: string
  /** The literal as it stands in the file. */
  literal: string
  kind: 'string' | 'other'
}

export interface DisplayRecord {
  entity: string
  id: string
  fields: DisplayField[]
}

const HEADER = /^RECORD\s+(\S+)\s+(\S+)\s*\{\s*$/
const FIELD = /^\s+([A-Za-z_][A-Za-z0-9_]*)\s*:\s(.*)$/

/** Null when the text is not a canonical record (the raw text is still shown). */
export function parseRecordText(text: string): DisplayRecord | null {
  const lines = text.replace(/\n$/, '').split('\n')
  const header = HEADER.exec(lines[0] ?? '')
  if (header === null || lines.at(-1) !== '}') return null
  const fields: DisplayField[] = []
  for (const line of lines.slice(1, -1)) {
    const match = FIELD.exec(line)
    if (match === null) return null
    const literal = (match[2] as string).trimEnd()
    fields.push(literal.startsWith('"') ? { name: match[1] as string, value: unquote(literal), literal, kind: 'string' } : { name: match[1] as string, value: literal, literal, kind: 'other' })
  }
  return { entity: header[1] as string, id: header[2] as string, fields }
}

/** `.agi` string escapes (`\" \\ \n \t \r \uXXXX`) are a subset of JSON's, and raw control characters never appear. */
function unquote(literal: string): string {
  try {
    const value: unknown = JSON.parse(literal)
    return typeof value === 'string' ? value : literal
  } catch {
    return literal
  }
}
