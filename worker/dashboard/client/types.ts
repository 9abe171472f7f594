/** The JSON the Worker answers, as the dashboard reads it (docs/api.md). */

// The activity feed's own types, so the compiler holds the page to what the Worker sends (types only: nothing is loaded).
export type { ActivityEntry, ActivityPage } from '../../activity/activity-feed.ts'

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
