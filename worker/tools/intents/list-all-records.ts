import type { FieldValue } from '../../../shared/agi/index.ts'
import type { GitStore, StoredRecord } from '../../../shared/git-store/index.ts'

/** The store's largest page: each page is one list call (texts come from list metadata, no GET per record). */
const PAGE_SIZE = 200

/** Every record of `entity` (matching `where`), following the cursor to the end. */
export async function listAllRecords(store: GitStore, entity: string, where?: Record<string, FieldValue>): Promise<StoredRecord[]> {
  const records: StoredRecord[] = []
  let cursor: string | undefined
  do {
    const page = await store.list(entity, { limit: PAGE_SIZE, cursor, where })
    records.push(...page.records)
    cursor = page.cursor
  } while (cursor !== undefined)
  return records
}
