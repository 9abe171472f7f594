import * as z from 'zod'
import type { CommitEntry } from '../commit-entry.ts'
import { commitEntrySchema } from '../commit-entry.ts'

/**
 * What a transaction is about to do, written before any record (the *prepare* step). It holds enough to
 * undo every write (previous text and metadata) and to finish the commit (the whole entry), so the recovery
 * pass can resolve a transaction whose writer died at any point.
 */
const recordMetadataSchema = z.record(z.string(), z.string())

const intentOpSchema = z.object({
  key: z.string(),
  kind: z.enum(['create', 'update', 'delete']),
  /** Version the writer expects to replace; null for a create. */
  expected_version: z.string().nullable(),
  /** Text and metadata before the transaction; null for a create. */
  previous: z.object({ text: z.string(), metadata: recordMetadataSchema }).nullable(),
})

export const intentSchema = z.object({
  v: z.literal(1),
  oid: z.string(),
  tenant: z.string(),
  started_ms: z.number().int().nonnegative(),
  entry_key: z.string(),
  entry: commitEntrySchema,
  ops: z.array(intentOpSchema).min(1),
})

export type IntentOp = z.infer<typeof intentOpSchema>
export type Intent = Omit<z.infer<typeof intentSchema>, 'entry'> & { entry: CommitEntry }

export function serializeIntent(intent: Intent): string {
  return JSON.stringify(intent)
}

/** Parses an intent object; a corrupt one is reported, never guessed at. */
export function parseIntent(text: string): { ok: true; intent: Intent } | { ok: false; reason: string } {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return { ok: false, reason: `invalid JSON: ${(error as Error).message}` }
  }
  const parsed = intentSchema.safeParse(json)
  if (!parsed.success) return { ok: false, reason: z.prettifyError(parsed.error) }
  return { ok: true, intent: parsed.data as Intent }
}
