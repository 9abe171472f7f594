/**
 * A local R2 bucket for Node-side tests: a standalone Miniflare whose bucket is served over the
 * S3 API (what the Action uses) and reachable through the R2 binding API (what the Worker uses).
 * Storage lives in Miniflare's temporary directory and disappears with `dispose()`.
 */
import { Miniflare } from 'miniflare'
import { S3ObjectStore, type S3ObjectStoreOptions } from '../../action/s3-object-store.ts'

/**
 * The part of the R2 binding API that tests use. Miniflare types `getR2Bucket` with
 * @cloudflare/workers-types, which this project does not install (the Worker's types come from
 * `wrangler types` and cannot be loaded next to Node's), so the shape is declared here.
 */
export interface R2BucketBinding {
  get(key: string): Promise<(R2ObjectInfo & { text(): Promise<string> }) | null>
  head(key: string): Promise<R2ObjectInfo | null>
  put(
    key: string,
    value: string,
    options?: { customMetadata?: Record<string, string>; onlyIf?: { etagMatches?: string; etagDoesNotMatch?: string } | Headers },
  ): Promise<R2ObjectInfo | null>
  delete(keys: string | string[]): Promise<void>
  list(options?: { prefix?: string; cursor?: string; startAfter?: string; limit?: number; include?: ('customMetadata' | 'httpMetadata')[] }): Promise<{
    objects: R2ObjectInfo[]
    truncated: boolean
    cursor?: string
  }>
}

export interface R2ObjectInfo {
  key: string
  etag: string
  size: number
  customMetadata?: Record<string, string>
}

export interface MiniflareR2 {
  /** The S3 endpoint, `http://127.0.0.1:<port>/cdn-cgi/local/r2/s3`. */
  endpoint: string
  bucket: string
  accessKeyId: string
  secretAccessKey: string
  /** An `S3ObjectStore` on this bucket (fast retries, so failure tests stay quick). */
  store: S3ObjectStore
  /** Another store on the same bucket, with other options (say, a wrong secret). Disposed with the rest. */
  makeStore(overrides?: Partial<S3ObjectStoreOptions>): S3ObjectStore
  /** The same bucket through the R2 binding API, as a Worker sees it. */
  r2Bucket(): Promise<R2BucketBinding>
  mf: Miniflare
  dispose(): Promise<void>
}

const BINDING = 'BUCKET'

/**
 * Starts Miniflare with one R2 bucket and S3 credentials. Call `dispose()` in `afterAll`.
 *
 * @example
 * let r2: MiniflareR2
 * beforeAll(async () => { r2 = await startMiniflareR2() })
 * afterAll(() => r2.dispose())
 */
export async function startMiniflareR2(options: { bucket?: string } = {}): Promise<MiniflareR2> {
  const bucket = options.bucket ?? 'accelerando-test'
  const accessKeyId = 'test-access-key-id'
  const secretAccessKey = 'test-secret-access-key'

  // Miniflare 5 takes workers as `{ config }` objects shaped like the deploy configuration; the
  // flat Miniflare 4 options (`modules`, `script`, `r2Buckets`) are refused by its constructor.
  const mf = new Miniflare({
    logRequests: false,
    workers: [
      {
        config: {
          name: 's3-test-host',
          compatibilityDate: '2026-10-01',
          manifest: {
            mainModule: 'index.mjs',
            modules: {
              // The Worker itself is never called: it exists to own the bucket binding.
              'index.mjs': { type: 'esm', contents: 'export default { fetch() { return new Response(null, { status: 204 }) } }' },
            },
          },
          env: {
            [BINDING]: {
              type: 'r2',
              name: bucket,
              dev: { remote: false, experimentalS3Credentials: { accessKeyId, secretAccessKey } },
            },
          },
        },
      },
    ],
  })

  const endpoint = new URL('/cdn-cgi/local/r2/s3', await mf.ready).href
  const stores: S3ObjectStore[] = []
  const makeStore = (overrides: Partial<S3ObjectStoreOptions> = {}) => {
    const store = new S3ObjectStore({
      endpoint,
      bucket,
      accessKeyId,
      secretAccessKey,
      ...overrides,
      retry: { attempts: 3, baseMs: 5, maxMs: 20, ...overrides.retry },
    })
    stores.push(store)
    return store
  }

  return {
    endpoint,
    bucket,
    accessKeyId,
    secretAccessKey,
    store: makeStore(),
    makeStore,
    r2Bucket: async () => (await mf.getR2Bucket(BINDING)) as unknown as R2BucketBinding,
    mf,
    async dispose() {
      for (const store of stores) store.destroy()
      await mf.dispose()
    },
  }
}
