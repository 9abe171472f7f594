import { listPageSize, MAX_LIST_PAGE_SIZE, type ListOptions, type ListPage, type ListedObject, type ObjectMetadata, type ObjectStore, type PutOptions, type StoredObject } from './object-store.ts'

/** R2's own limits, kept so tests fail here the way they would against the real bucket. */
const MAX_KEY_BYTES = 1024

export interface MemoryObjectStoreOptions {
  /**
   * How versions are minted. `'content'` (default) behaves like R2, whose ETag is a digest of the
   * bytes: writing identical text again yields the same version. `'unique'` mints a fresh version
   * on every put, for tests that want every write to be distinguishable.
   */
  versions?: 'content' | 'unique'
  /**
   * Largest page `list` returns. R2 may return fewer keys than `limit` when metadata is included
   * (Miniflare caps such pages at 100); lower this to prove callers follow cursors, not counts.
   */
  maxPageSize?: number
}

interface Entry {
  text: string
  version: string
  size: number
  metadata: ObjectMetadata
}

const encoder = new TextEncoder()

/**
 * An `ObjectStore` in memory with R2's semantics: conditional puts that fail with null and change
 * nothing, listing in UTF-8 byte order with opaque cursors, and no shared references between the
 * caller's objects and the stored state.
 */
export class MemoryObjectStore implements ObjectStore {
  readonly #entries = new Map<string, Entry>()
  /** Every stored key, kept sorted in UTF-8 byte order so a list page is a binary search plus a slice. */
  readonly #sortedKeys: string[] = []
  readonly #versions: 'content' | 'unique'
  readonly #maxPageSize: number
  #putCount = 0

  constructor(options: MemoryObjectStoreOptions = {}) {
    this.#versions = options.versions ?? 'content'
    const maxPageSize = options.maxPageSize ?? MAX_LIST_PAGE_SIZE
    if (!Number.isInteger(maxPageSize) || maxPageSize < 1 || maxPageSize > MAX_LIST_PAGE_SIZE) {
      throw new RangeError(`maxPageSize must be an integer in 1..${MAX_LIST_PAGE_SIZE}`)
    }
    this.#maxPageSize = maxPageSize
  }

  async get(key: string): Promise<StoredObject | null> {
    assertValidKey(key)
    const entry = this.#entries.get(key)
    if (entry === undefined) return null
    return { key, version: entry.version, text: entry.text, metadata: { ...entry.metadata } }
  }

  async put(key: string, text: string, options: PutOptions = {}): Promise<{ version: string } | null> {
    assertValidKey(key)
    if (typeof text !== 'string') throw new TypeError('put: text must be a string')
    const metadata = copyMetadata(options.metadata)
    const current = this.#entries.get(key)
    const condition = options.condition
    if (condition !== undefined) {
      if ('ifAbsent' in condition) {
        if (current !== undefined) return null
      } else if (current === undefined || current.version !== condition.ifVersion) {
        return null
      }
    }
    const bytes = encoder.encode(text)
    const version = this.#versions === 'content' ? contentVersion(bytes) : this.#uniqueVersion()
    if (current === undefined) insertSorted(this.#sortedKeys, key)
    this.#entries.set(key, { text, version, size: bytes.byteLength, metadata })
    return { version }
  }

  async delete(keys: string | readonly string[]): Promise<void> {
    const list = typeof keys === 'string' ? [keys] : [...keys]
    // Validate all first so a bad key deletes nothing, like a rejected batch request.
    for (const key of list) assertValidKey(key)
    for (const key of list) {
      if (this.#entries.delete(key)) removeSorted(this.#sortedKeys, key)
    }
  }

  async list(options: ListOptions): Promise<ListPage> {
    const { prefix } = options
    if (typeof prefix !== 'string') throw new TypeError('list: prefix must be a string')
    const limit = Math.min(listPageSize(options.limit), this.#maxPageSize)

    // Keys strictly after the later of startAfter and the cursor's key.
    let after = options.startAfter
    if (options.cursor !== undefined) {
      const cursorKey = decodeCursor(options.cursor)
      if (after === undefined || compareUtf8(cursorKey, after) > 0) after = cursorKey
    }
    const keys = this.#sortedKeys
    let index = lowerBound(keys, prefix)
    if (after !== undefined) index = Math.max(index, upperBound(keys, after))

    const objects: ListedObject[] = []
    for (; index < keys.length && objects.length < limit; index++) {
      const key = keys[index]!
      if (!key.startsWith(prefix)) break
      const entry = this.#entries.get(key)!
      objects.push({ key, version: entry.version, size: entry.size, metadata: { ...entry.metadata } })
    }
    const hasMore = index < keys.length && keys[index]!.startsWith(prefix)
    const last = objects.at(-1)
    return hasMore && last !== undefined ? { objects, cursor: encodeCursor(last.key) } : { objects }
  }

  #uniqueVersion(): string {
    this.#putCount += 1
    const random = crypto.getRandomValues(new Uint32Array(3))
    return [this.#putCount, ...random].map((n) => n.toString(16).padStart(8, '0')).join('')
  }
}

function assertValidKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new RangeError('object key must be a non-empty string')
  // R2 keys are UTF-8; a lone surrogate has no UTF-8 form.
  if (/\p{Cs}/u.test(key)) throw new RangeError('object key must be well-formed Unicode')
  if (encoder.encode(key).byteLength > MAX_KEY_BYTES) throw new RangeError(`object key exceeds ${MAX_KEY_BYTES} bytes`)
}

function copyMetadata(metadata: ObjectMetadata | undefined): ObjectMetadata {
  const copy: ObjectMetadata = {}
  for (const [name, value] of Object.entries(metadata ?? {})) {
    if (typeof value !== 'string') throw new TypeError(`metadata "${name}" must be a string`)
    copy[name] = value
  }
  return copy
}

/**
 * A digest of the bytes, so identical content gets an identical version as R2's MD5 ETags do.
 * Two independent 32-bit mixes plus the length: collisions are not a concern at test scale.
 */
function contentVersion(bytes: Uint8Array): string {
  let fnv = 0x811c9dc5
  let mix = 0x9e3779b9
  for (const byte of bytes) {
    fnv = Math.imul(fnv ^ byte, 0x01000193)
    mix = Math.imul(mix ^ byte, 0x5bd1e995)
    mix ^= mix >>> 15
  }
  mix = Math.imul(mix ^ (mix >>> 13), 0xc2b2ae35)
  mix ^= mix >>> 16
  return [fnv >>> 0, mix >>> 0, bytes.byteLength].map((n) => n.toString(16).padStart(8, '0')).join('')
}

/**
 * Orders strings as R2 does, by their UTF-8 bytes (that is, by code point). Plain `<` compares
 * UTF-16 code units, which puts U+10000 and above before U+E000..U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return utf8Rank(x) - utf8Rank(y)
  }
  return a.length - b.length
}

/** Moves surrogates (code points >= U+10000) above the rest of the BMP. */
function utf8Rank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000
  if (unit >= 0xe000) return unit - 0x800
  return unit
}

/** First index whose key is >= `key`. */
function lowerBound(keys: readonly string[], key: string): number {
  let low = 0
  let high = keys.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (compareUtf8(keys[mid]!, key) < 0) low = mid + 1
    else high = mid
  }
  return low
}

/** First index whose key is > `key`. */
function upperBound(keys: readonly string[], key: string): number {
  let low = 0
  let high = keys.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (compareUtf8(keys[mid]!, key) <= 0) low = mid + 1
    else high = mid
  }
  return low
}

function insertSorted(keys: string[], key: string): void {
  keys.splice(lowerBound(keys, key), 0, key)
}

function removeSorted(keys: string[], key: string): void {
  const index = lowerBound(keys, key)
  if (keys[index] === key) keys.splice(index, 1)
}

const CURSOR_TAG = 'm1:'

function encodeCursor(lastKey: string): string {
  let binary = ''
  for (const byte of encoder.encode(CURSOR_TAG + lastKey)) binary += String.fromCharCode(byte)
  return btoa(binary)
}

function decodeCursor(cursor: string): string {
  let text: string
  try {
    const binary = atob(cursor)
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)))
  } catch {
    throw new RangeError('list: invalid cursor')
  }
  if (!text.startsWith(CURSOR_TAG)) throw new RangeError('list: invalid cursor')
  return text.slice(CURSOR_TAG.length)
}
