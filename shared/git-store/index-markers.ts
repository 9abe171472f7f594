import type { Schema } from '../agi/types.ts'
import { indexCompleteKey } from '../keys.ts'
import type { ObjectStore } from '../object-store/object-store.ts'

/**
 * Which indexes are complete: every record of every tenant has its entries. Records written before an index existed
 * have none until a rebuild (`verify --repair`) writes them and then the marker `index-complete/<Entity>/<field>.json`;
 * while it is missing, filtered lists and reference checks take the slower path that reads the records themselves.
 *
 * A marker never goes away once written (every write keeps the index complete from then on), so what was seen is
 * kept for the life of the store object: a Worker isolate asks once per index.
 */
export class IndexMarkers {
  readonly #complete = new Set<string>()

  async isComplete(objects: ObjectStore, schema: Schema, entity: string, field: string): Promise<boolean> {
    const key = indexCompleteKey(schema, entity, field)
    if (this.#complete.has(key)) return true
    if ((await objects.get(key)) === null) return false
    this.#complete.add(key)
    return true
  }
}

const MARKERS = new WeakMap<ObjectStore, IndexMarkers>()

/** The markers seen through one store object (one bucket). */
export function indexMarkersOf(objects: ObjectStore): IndexMarkers {
  let markers = MARKERS.get(objects)
  if (markers === undefined) {
    markers = new IndexMarkers()
    MARKERS.set(objects, markers)
  }
  return markers
}

/** The marker's text: when it was written, for operators. */
export function serializeIndexMarker(builtAt: Date): string {
  return `${JSON.stringify({ v: 1, built_at: builtAt.toISOString() })}\n`
}

/** Writes the marker that an index is complete: only once no record of any tenant lacks its entries. */
export async function writeIndexMarker(objects: ObjectStore, schema: Schema, entity: string, field: string, builtAt: Date): Promise<void> {
  await objects.put(indexCompleteKey(schema, entity, field), serializeIndexMarker(builtAt))
}
