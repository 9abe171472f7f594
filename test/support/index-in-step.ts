import { expect } from 'vitest'
import { parseRecord } from '../../shared/agi/index.ts'
import { indexKeysOfRecord } from '../../shared/git-store/index.ts'
import type { ObjectStore } from '../../shared/object-store/object-store.ts'
import { keysUnder } from '../contract/git-store-contract.ts'
import { TEST_SCHEMA } from './test-schema.ts'

/**
 * Invariant 10 for index entries: exactly the entries the records imply, each a copy of its record (same text, same
 * version, same metadata), none left claimed or tagged by a transaction that did not commit.
 */
export async function expectIndexInStep(objects: ObjectStore, label: string): Promise<void> {
  const expected = new Map<string, string>()
  for (const key of await keysUnder(objects, 'data/')) {
    const stored = (await objects.get(key))!
    for (const entry of indexKeysOfRecord(TEST_SCHEMA, key, parseRecord(stored.text, TEST_SCHEMA).record)) expected.set(entry, key)
  }
  const found = await keysUnder(objects, 'index/')
  expect(found.sort(), label).toEqual([...expected.keys()].sort())
  for (const key of found) {
    const [entry, record] = await Promise.all([objects.get(key), objects.get(expected.get(key)!)])
    expect({ text: entry?.text, version: entry?.version, metadata: entry?.metadata }, `${label}: ${key}`).toEqual({ text: record?.text, version: record?.version, metadata: record?.metadata })
  }
}
