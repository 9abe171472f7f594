import { decodeMetadataText } from '../metadata-text.ts'
import type { ListedObject, ObjectStore } from '../object-store/object-store.ts'
import { META_AGI } from './record-metadata.ts'

/**
 * Every object under `prefix` with its text, page after page: from the list metadata's copy when it has one
 * (a page needs no GET), else one GET. Objects gone between the list and the GET are skipped.
 */
export async function* listedTexts(objects: ObjectStore, prefix: string): AsyncGenerator<{ listed: ListedObject; text: string }> {
  let cursor: string | undefined
  do {
    const page = await objects.list({ prefix, cursor })
    for (const listed of page.objects) {
      const copy = listed.metadata[META_AGI]
      const text = (copy === undefined ? null : decodeMetadataText(copy)) ?? (await objects.get(listed.key))?.text
      if (text !== undefined) yield { listed, text }
    }
    cursor = page.cursor
  } while (cursor !== undefined)
}

/** Every object under `prefix`, following the cursor to the last page. */
export async function listAll(objects: ObjectStore, prefix: string): Promise<ListedObject[]> {
  const all: ListedObject[] = []
  let cursor: string | undefined
  do {
    const page = await objects.list({ prefix, cursor })
    all.push(...page.objects)
    cursor = page.cursor
  } while (cursor !== undefined)
  return all
}
