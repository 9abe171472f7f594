import { quarantineKey } from '../../shared/keys.ts'
import { decodeMetadataText, encodeMetadataText } from '../../shared/metadata-text.ts'
import type { ObjectStore } from '../../shared/object-store/object-store.ts'

/** Metadata names on a quarantined copy. The reason is base64 text (it may hold any character). */
export const QUARANTINE_REASON = 'reason'
export const QUARANTINED_AT = 'quarantined_at'

/** R2 allows 8 KiB of metadata per object; a reason is cut well below that. */
const MAX_REASON_CHARS = 2000

export interface QuarantinedObject {
  key: string
  /** Where the object now lives. */
  quarantineKey: string
  reason: string
}

/**
 * Moves an object aside: its exact bytes go to `quarantine/<key>` with the reason as metadata,
 * then the original is deleted. Copy first, so a crash in between leaves the object in both
 * places (the next run moves it again), never in neither.
 */
export async function quarantineObject(objects: ObjectStore, key: string, text: string, reason: string, now: Date): Promise<QuarantinedObject> {
  const target = quarantineKey(key)
  const shown = reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS - 1)}…` : reason
  await objects.put(target, text, { metadata: { [QUARANTINE_REASON]: encodeMetadataText(shown), [QUARANTINED_AT]: now.toISOString() } })
  await objects.delete(key)
  return { key, quarantineKey: target, reason }
}

/** The reason stored with a quarantined object, or null when it has none. */
export function quarantineReason(metadata: Record<string, string>): string | null {
  const encoded = metadata[QUARANTINE_REASON]
  return encoded === undefined ? null : decodeMetadataText(encoded)
}
