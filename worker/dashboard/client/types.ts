/** The JSON the Worker answers, as the dashboard reads it (docs/api.md). */

export interface ActivityEntry {
  oid: string
  message: string
  author: { name: string; email: string }
  ts: string
  paths: string[]
  status: 'pending' | 'synced'
  commit_sha?: string
  repository?: string
}

export interface ActivityPage {
  entries: ActivityEntry[]
  next_cursor: string | null
}

export interface ToolAnnotations {
  readOnlyHint?: boolean
  destructiveHint?: boolean
  idempotentHint?: boolean
}

export interface ToolListing {
  name: string
  title?: string
  description: string
  input_schema: JsonSchema
  annotations?: ToolAnnotations
}

/** The part of JSON Schema the tool list shows; the whole schema is shown as JSON too. */
export interface JsonSchema {
  type?: string | string[]
  description?: string
  properties?: Record<string, JsonSchema>
  required?: string[]
  items?: JsonSchema
  enum?: unknown[]
  anyOf?: JsonSchema[]
  [keyword: string]: unknown
}
