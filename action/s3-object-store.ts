/**
 * The `ObjectStore` over R2's S3 API: how the Action reaches the bucket from outside Cloudflare.
 * The one module that talks S3; every request goes through one retry policy.
 */
import { createHash } from 'node:crypto'
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ListObjectsV2CommandInput,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3'
import { ThrottledError } from '../shared/errors.ts'
import {
  listPageSize,
  type ListedObject,
  type ListOptions,
  type ListPage,
  type ObjectMetadata,
  type ObjectStore,
  type PutOptions,
  type StoredObject,
} from '../shared/object-store/object-store.ts'
import { retry, type RetryOptions } from '../shared/retry.ts'

export interface S3ObjectStoreOptions {
  /** Full S3 endpoint URL; defaults to R2's, `https://<accountId>.r2.cloudflarestorage.com`. */
  endpoint?: string
  /** The Cloudflare account id; needed only when `endpoint` is not given. */
  accountId?: string
  bucket: string
  accessKeyId: string
  secretAccessKey: string
  retry?: Partial<Pick<RetryOptions, 'attempts' | 'baseMs' | 'maxMs' | 'sleep' | 'random'>>
  /** A request (not the whole retried call) is abandoned after this long. */
  requestTimeoutMs?: number
}

/** An S3 request that failed for good (after retries where retrying made sense). */
export class S3RequestError extends Error {
  readonly operation: string
  readonly key: string | undefined
  /** The HTTP status, or undefined when no answer came (connection refused, timeout). */
  readonly status: number | undefined
  /** The S3 error code (`SignatureDoesNotMatch`, `NoSuchBucket`, ...), when the server gave one. */
  readonly s3Code: string | undefined

  constructor(
    message: string,
    details: { operation: string; key?: string; status?: number; s3Code?: string },
    cause?: unknown,
  ) {
    super(message)
    this.name = 'S3RequestError'
    this.operation = details.operation
    this.key = details.key
    this.status = details.status
    this.s3Code = details.s3Code
    if (cause !== undefined) this.cause = cause
  }
}

/** A batch delete that went through but refused some keys; every other key of the call is gone. */
export class S3DeleteError extends Error {
  readonly failures: readonly { key: string; code: string; message: string }[]

  constructor(failures: readonly { key: string; code: string; message: string }[]) {
    const shown = failures.slice(0, 5).map((f) => `"${f.key}" (${f.code}: ${f.message})`)
    const more = failures.length > 5 ? ` and ${failures.length - 5} more` : ''
    super(`S3 DeleteObjects could not delete ${failures.length} key(s): ${shown.join(', ')}${more}`)
    this.name = 'S3DeleteError'
    this.failures = failures
  }
}

/** S3 accepts at most this many keys per DeleteObjects call and returns at most this many per list page. */
const MAX_KEYS_PER_CALL = 1000

/**
 * Waits of about 0.2, 0.4, 0.8, 1.6 s: enough to ride out a restarting endpoint or a per-key rate
 * limit (R2 allows about one write per second to one key), short enough for a scheduled run.
 */
const DEFAULT_RETRY = { attempts: 5, baseMs: 200, maxMs: 5000 }

/** Errors without an HTTP answer that a second try can fix. (ENOTFOUND is left out: a wrong host stays wrong.) */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
])

/**
 * `ObjectStore` over an S3-compatible endpoint (R2 in production, Miniflare's local R2 in tests and
 * development). Versions are ETags without quotes, the same strings the R2 binding reports, so a
 * version read by the Worker is valid here and the reverse.
 *
 * Differences from the R2 binding that callers must know:
 * - `list` returns `metadata: {}`: ListObjectsV2 does not carry user metadata. Use `get` when it matters.
 * - Metadata names travel as HTTP headers, so they are case-insensitive and come back lower-case;
 *   names must be lower-case HTTP tokens, and anything else is refused rather than silently renamed.
 * - Metadata values outside printable ASCII travel RFC 2047-encoded, which R2 decodes on write
 *   and produces on read; `get` decodes them again. Miniflare's local R2 stores the encoded form
 *   as it is, so a Worker on a local bucket reads such a value written here still encoded.
 *
 * @example
 * const store = new S3ObjectStore({ accountId, bucket: 'accelerando-data', accessKeyId, secretAccessKey })
 * for await (const entry of store.listAll('commits/')) console.log(entry.key)
 */
export class S3ObjectStore implements ObjectStore {
  readonly endpoint: string
  readonly bucket: string
  readonly #client: S3Client
  readonly #retry: Omit<RetryOptions, 'isRetryable'>

  constructor(options: S3ObjectStoreOptions) {
    this.endpoint = resolveEndpoint(options)
    this.bucket = options.bucket
    this.#retry = { ...DEFAULT_RETRY, ...options.retry }
    this.#client = new S3Client({
      endpoint: this.endpoint,
      region: 'auto',
      // Miniflare's local endpoint serves buckets by path only; R2 accepts both styles.
      forcePathStyle: true,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      // Retries belong to one policy (ours); the SDK's own would multiply with it.
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 10_000, requestTimeout: options.requestTimeoutMs ?? 60_000, throwOnRequestTimeout: true },
    })
  }

  async get(key: string): Promise<StoredObject | null> {
    return this.#call('GetObject', key, async () => {
      try {
        const out = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }))
        // The body is read inside the retried step: a connection dropped mid-body is retried too.
        const text = (await out.Body?.transformToString('utf-8')) ?? ''
        return { key, version: unquote(out.ETag), text, metadata: decodeMetadata(out.Metadata) }
      } catch (error) {
        if (statusOf(error) === 404 && s3CodeOf(error) !== 'NoSuchBucket') return null
        throw error
      }
    })
  }

  async put(key: string, text: string, options: PutOptions = {}): Promise<{ version: string } | null> {
    const input: PutObjectCommandInput = { Bucket: this.bucket, Key: key, Body: text, Metadata: encodeMetadata(options.metadata) }
    const condition = options.condition
    if (condition !== undefined) {
      // An ETag in If-Match is quoted in HTTP; Miniflare's local R2 answers a bare one with a 500.
      if ('ifAbsent' in condition) input.IfNoneMatch = '*'
      else input.IfMatch = `"${condition.ifVersion}"`
    }
    return this.#call('PutObject', key, async (attempt) => {
      try {
        const out = await this.#client.send(new PutObjectCommand(input))
        return { version: unquote(out.ETag) }
      } catch (error) {
        // AWS answers If-Match on a missing key with 404 NoSuchKey rather than 412; either way the
        // version we expected is not there.
        const missingForIfMatch = input.IfMatch !== undefined && s3CodeOf(error) === 'NoSuchKey'
        if (!isFailedCondition(error) && !missingForIfMatch) throw error
        // A retry follows a try whose outcome is unknown (no answer, or a 5xx): that try may have
        // written, and then our own write is what fails the condition now. The ETag of a
        // single-part upload is the MD5 of its bytes, so the object tells whether those bytes are ours.
        if (attempt > 1) {
          const current = await this.#currentVersion(key)
          if (current !== null && current === md5Hex(text)) return { version: current }
        }
        return null
      }
    })
  }

  async delete(keys: string | readonly string[]): Promise<void> {
    const all = typeof keys === 'string' ? [keys] : [...new Set(keys)]
    const failures: { key: string; code: string; message: string }[] = []
    // Every chunk is attempted even after one reports failures, so one bad key costs only itself.
    for (let start = 0; start < all.length; start += MAX_KEYS_PER_CALL) {
      const chunk = all.slice(start, start + MAX_KEYS_PER_CALL)
      const out = await this.#call('DeleteObjects', chunk[0], () =>
        this.#client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            // Quiet: the answer lists only failures, not a thousand successes.
            Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true },
          }),
        ),
      )
      for (const error of out.Errors ?? []) {
        failures.push({ key: error.Key ?? '', code: error.Code ?? 'Unknown', message: error.Message ?? '' })
      }
    }
    if (failures.length > 0) throw new S3DeleteError(failures)
  }

  /** One page. `metadata` is always `{}`: S3 listings do not include user metadata. */
  async list(options: ListOptions): Promise<ListPage> {
    const input: ListObjectsV2CommandInput = { Bucket: this.bucket, Prefix: options.prefix }
    if (options.limit !== undefined) input.MaxKeys = listPageSize(options.limit)
    if (options.cursor !== undefined) input.ContinuationToken = options.cursor
    if (options.startAfter !== undefined) input.StartAfter = options.startAfter
    const out = await this.#call('ListObjectsV2', options.prefix, () => this.#client.send(new ListObjectsV2Command(input)))
    const objects: ListedObject[] = (out.Contents ?? []).map((object) => ({
      key: object.Key ?? '',
      version: unquote(object.ETag),
      size: object.Size ?? 0,
      metadata: {},
    }))
    return out.IsTruncated && out.NextContinuationToken ? { objects, cursor: out.NextContinuationToken } : { objects }
  }

  /** Every object under `prefix`, page after page, in key order. */
  async *listAll(prefix: string, options: { startAfter?: string; pageSize?: number } = {}): AsyncGenerator<ListedObject> {
    let cursor: string | undefined
    do {
      const page = await this.list({ prefix, cursor, startAfter: options.startAfter, limit: options.pageSize })
      yield* page.objects
      cursor = page.cursor
    } while (cursor !== undefined)
  }

  /**
   * The next level of "folders" under `prefix` (`synced/acme/`, `synced/globex/` for `synced/`), every
   * page, in key order: one entry per common prefix instead of one per object beneath it.
   */
  async listPrefixes(prefix: string, options: { delimiter?: string; pageSize?: number } = {}): Promise<string[]> {
    const prefixes: string[] = []
    let cursor: string | undefined
    do {
      const input: ListObjectsV2CommandInput = { Bucket: this.bucket, Prefix: prefix, Delimiter: options.delimiter ?? '/' }
      if (options.pageSize !== undefined) input.MaxKeys = Math.min(options.pageSize, MAX_KEYS_PER_CALL)
      if (cursor !== undefined) input.ContinuationToken = cursor
      const out = await this.#call('ListObjectsV2', prefix, () => this.#client.send(new ListObjectsV2Command(input)))
      for (const common of out.CommonPrefixes ?? []) if (common.Prefix !== undefined) prefixes.push(common.Prefix)
      cursor = out.IsTruncated && out.NextContinuationToken ? out.NextContinuationToken : undefined
    } while (cursor !== undefined)
    return prefixes
  }

  /**
   * `get` for many keys with at most `concurrency` requests in flight; results in the order of
   * `keys`, null for missing ones. The first failure stops new requests and is thrown. `onRead` is
   * called after each key read (progress).
   */
  async getMany(keys: readonly string[], concurrency = 16, onRead?: () => void): Promise<(StoredObject | null)[]> {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`getMany: concurrency must be a positive integer, got ${concurrency}`)
    const results = new Array<StoredObject | null>(keys.length)
    let next = 0
    let failed = false
    const worker = async () => {
      while (!failed && next < keys.length) {
        const index = next++
        try {
          results[index] = await this.get(keys[index]!)
          onRead?.()
        } catch (error) {
          failed = true
          throw error
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, worker))
    return results
  }

  /** Closes the client's sockets; the store is unusable afterwards. */
  destroy(): void {
    this.#client.destroy()
  }

  async #currentVersion(key: string): Promise<string | null> {
    try {
      const out = await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }))
      return unquote(out.ETag)
    } catch (error) {
      if (statusOf(error) === 404) return null
      throw error
    }
  }

  async #call<T>(operation: string, key: string | undefined, fn: (attempt: number) => Promise<T>): Promise<T> {
    try {
      return await retry(fn, { ...this.#retry, isRetryable: isTransient })
    } catch (error) {
      throw this.#describe(error, operation, key)
    }
  }

  /** Turns an SDK error into one that says what failed, where, and what to check. */
  #describe(error: unknown, operation: string, key: string | undefined): Error {
    const status = statusOf(error)
    const s3Code = s3CodeOf(error)
    const target = key === undefined ? `bucket "${this.bucket}"` : `"${key}" in bucket "${this.bucket}"`
    if (status === 429 || s3Code === 'SlowDown') {
      return new ThrottledError(`S3 ${operation} of ${target} was still throttled after ${this.#retry.attempts} attempts`)
    }
    const reason = error instanceof Error ? error.message : String(error)
    if (status === undefined) {
      const code = (error as { code?: unknown } | null)?.code
      const what = typeof code === 'string' ? `${code}: ${reason}` : reason
      return new S3RequestError(`S3 ${operation} of ${target} at ${this.endpoint} got no answer (${what})`, { operation, key }, error)
    }
    const hint =
      status === 401 || status === 403 ? ' Check the access key id and secret access key (and that the token may use this bucket).'
      : s3Code === 'NoSuchBucket' ? ` Check the bucket name and the endpoint (${this.endpoint}).`
      : ''
    return new S3RequestError(
      `S3 ${operation} of ${target} failed: HTTP ${status}${s3Code ? ` ${s3Code}` : ''}: ${reason}.${hint}`,
      { operation, key, status, s3Code },
      error,
    )
  }
}

function resolveEndpoint(options: S3ObjectStoreOptions): string {
  if (options.endpoint !== undefined) return options.endpoint
  // Checked because it becomes part of a host name.
  if (options.accountId === undefined || !/^[a-z0-9-]{1,63}$/i.test(options.accountId)) {
    throw new TypeError('S3ObjectStore needs an endpoint or a valid Cloudflare account id')
  }
  return `https://${options.accountId}.r2.cloudflarestorage.com`
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode
}

function s3CodeOf(error: unknown): string | undefined {
  if (statusOf(error) === undefined) return undefined
  const code = (error as { Code?: unknown; name?: unknown }).Code ?? (error as { name?: unknown }).name
  return typeof code === 'string' ? code : undefined
}

/**
 * R2 and S3 answer a failed If-Match / If-None-Match with 412. S3 documents 409
 * ConditionalRequestConflict for a conditional write racing another one on the same key; the
 * condition did not hold for us either way.
 */
function isFailedCondition(error: unknown): boolean {
  const status = statusOf(error)
  return status === 412 || (status === 409 && s3CodeOf(error) === 'ConditionalRequestConflict')
}

function isTransient(error: unknown): boolean {
  const status = statusOf(error)
  if (status !== undefined) return status >= 500 || status === 429
  if (!(error instanceof Error)) return false
  const code = (error as { code?: unknown }).code
  return (typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code)) || error.name === 'TimeoutError'
}

function unquote(etag: string | undefined): string {
  if (etag === undefined) throw new Error('S3 answer carries no ETag')
  return etag.replace(/^(W\/)?"(.*)"$/, '$2')
}

function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex')
}

/** HTTP tokens (RFC 9110) in lower case: what survives the trip as a header name unchanged. */
const METADATA_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/

function encodeMetadata(metadata: ObjectMetadata | undefined): Record<string, string> {
  const encoded: Record<string, string> = {}
  for (const [name, value] of Object.entries(metadata ?? {})) {
    if (!METADATA_NAME.test(name)) {
      throw new TypeError(`metadata name ${JSON.stringify(name)} must be a lower-case HTTP token: S3 would lower-case or reject it`)
    }
    if (typeof value !== 'string') throw new TypeError(`metadata "${name}" must be a string`)
    encoded[name] = encodeMetadataValue(value)
  }
  return encoded
}

function decodeMetadata(metadata: Record<string, string> | undefined): ObjectMetadata {
  const decoded: ObjectMetadata = {}
  for (const [name, value] of Object.entries(metadata ?? {})) decoded[name] = decodeMetadataValue(value)
  return decoded
}

/** Bytes of UTF-8 per encoded word: `=?UTF-8?B?` + 60 base64 characters + `?=` stays within RFC 2047's 75. */
const ENCODED_WORD_BYTES = 45

/**
 * A metadata value as it may travel in a header. Printable ASCII goes as is; anything else
 * (non-ASCII, control characters, edge whitespace that HTTP would trim, or text that already looks
 * like an encoded word) goes as RFC 2047 `B` words of whole characters.
 */
export function encodeMetadataValue(value: string): string {
  if (!/[^\x20-\x7e]|^ | $|=\?/.test(value)) return value
  const words: string[] = []
  let bytes: number[] = []
  const flush = () => {
    if (bytes.length > 0) words.push(`=?UTF-8?B?${Buffer.from(bytes).toString('base64')}?=`)
    bytes = []
  }
  for (const char of value) {
    const charBytes = [...Buffer.from(char, 'utf8')]
    if (bytes.length + charBytes.length > ENCODED_WORD_BYTES) flush()
    bytes.push(...charBytes)
  }
  flush()
  return words.join(' ')
}

const ENCODED_WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g

/**
 * The inverse of the transports in use. R2 sends values with non-ASCII characters as RFC 2047
 * words (B or Q); Miniflare's local R2 sends the raw UTF-8 bytes, which Node reads as Latin-1.
 * Both are undone here; a plain ASCII value is returned untouched.
 */
export function decodeMetadataValue(value: string): string {
  let text = value
  if (/[\x80-\xff]/.test(text) && !/[^\x00-\xff]/.test(text)) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(text, 'latin1'))
    } catch {
      // Not UTF-8 after all: keep the characters as they came.
    }
  }
  if (!text.includes('=?')) return text

  // Adjacent encoded words are one run: the whitespace between them is not part of the text, and
  // their bytes are joined before decoding so a character split across words survives.
  let out = ''
  let last = 0
  let run: { charset: string; bytes: Buffer[] } | null = null
  const flush = () => {
    if (run === null) return
    out += decodeBytes(run.charset, Buffer.concat(run.bytes))
    run = null
  }
  for (const match of text.matchAll(ENCODED_WORD)) {
    const [word, charset = '', kind = '', payload = ''] = match
    const gap = text.slice(last, match.index)
    const bytes = kind.toUpperCase() === 'B' ? Buffer.from(payload, 'base64') : decodeQ(payload)
    if (run !== null && /^\s*$/.test(gap) && run.charset === charset.toLowerCase()) {
      run.bytes.push(bytes)
    } else {
      flush()
      out += gap
      run = { charset: charset.toLowerCase(), bytes: [bytes] }
    }
    last = match.index + word.length
  }
  flush()
  return out + text.slice(last)
}

function decodeQ(payload: string): Buffer {
  const bytes: number[] = []
  for (let i = 0; i < payload.length; i++) {
    const char = payload[i]!
    if (char === '_') bytes.push(0x20)
    else if (char === '=' && /^[0-9a-f]{2}$/i.test(payload.slice(i + 1, i + 3))) {
      bytes.push(parseInt(payload.slice(i + 1, i + 3), 16))
      i += 2
    } else bytes.push(char.charCodeAt(0))
  }
  return Buffer.from(bytes)
}

function decodeBytes(charset: string, bytes: Buffer): string {
  try {
    return new TextDecoder(charset, { fatal: true }).decode(bytes)
  } catch {
    // An unknown charset or bad bytes: show the bytes as UTF-8 with replacement characters
    // rather than lose the value.
    return new TextDecoder('utf-8').decode(bytes)
  }
}
