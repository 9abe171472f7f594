/**
 * The benchmark's local bucket: a standalone Miniflare whose R2 bucket is served over the S3 API (what the
 * sync engine uses) and owned by a small Worker that can write many objects per request. Planting test data
 * through that Worker keeps the puts inside workerd, so seeding is not limited by one HTTP round trip per
 * object; none of it is part of what is measured.
 */
import { Miniflare } from 'miniflare'
import { S3ObjectStore, type S3ObjectStoreOptions } from '../../../action/s3-object-store.ts'

export interface PlantObject {
  key: string
  body: string
  metadata?: Record<string, string>
}

export interface BucketHost {
  endpoint: string
  bucket: string
  accessKeyId: string
  secretAccessKey: string
  /** Options for an `S3ObjectStore` on this bucket (the production retry policy unless overridden). */
  s3Options(overrides?: Partial<S3ObjectStoreOptions>): S3ObjectStoreOptions
  /** Writes objects through the Worker's binding, `batch` objects per request, `concurrency` puts in flight inside workerd. */
  plant(objects: readonly PlantObject[], options?: { batch?: number; concurrency?: number }): Promise<void>
  /** The same bucket through Miniflare's Node-side binding proxy (one HTTP round trip per call). */
  binding(): Promise<{ put(key: string, value: string, options?: { customMetadata?: Record<string, string> }): Promise<unknown> }>
  /** How many keys start with `prefix` (counted inside the Worker). */
  count(prefix: string): Promise<number>
  dispose(): Promise<void>
}

const BINDING = 'BUCKET'

/** Receives `{ objects, concurrency }` and puts them with bounded concurrency; `GET /count?prefix=` counts keys. */
const HOST_WORKER = `
export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    if (url.pathname === '/plant') {
      const { objects, concurrency } = await request.json()
      let next = 0
      const worker = async () => {
        while (next < objects.length) {
          const o = objects[next++]
          await env.${BINDING}.put(o.key, o.body, o.metadata ? { customMetadata: o.metadata } : undefined)
        }
      }
      await Promise.all(Array.from({ length: Math.min(concurrency, objects.length) }, worker))
      return Response.json({ planted: objects.length })
    }
    if (url.pathname === '/count') {
      const prefix = url.searchParams.get('prefix') ?? ''
      let count = 0
      let cursor
      do {
        const page = await env.${BINDING}.list({ prefix, cursor, limit: 1000 })
        count += page.objects.length
        cursor = page.truncated ? page.cursor : undefined
      } while (cursor !== undefined)
      return Response.json({ count })
    }
    return new Response('not found', { status: 404 })
  },
}
`

export async function startBucketHost(options: { bucket?: string; storageDir?: string } = {}): Promise<BucketHost> {
  const bucket = options.bucket ?? 'accelerando-bench'
  const accessKeyId = 'bench-access-key-id'
  const secretAccessKey = 'bench-secret-access-key'
  const mf = new Miniflare({
    logRequests: false,
    ...(options.storageDir === undefined ? {} : { resourcePersistencePath: options.storageDir }),
    workers: [
      {
        config: {
          name: 'bench-bucket-host',
          compatibilityDate: '2026-10-01',
          manifest: { mainModule: 'index.mjs', modules: { 'index.mjs': { type: 'esm', contents: HOST_WORKER } } },
          env: {
            [BINDING]: { type: 'r2', name: bucket, dev: { remote: false, experimentalS3Credentials: { accessKeyId, secretAccessKey } } },
          },
        },
      },
    ],
  })
  const origin = await mf.ready
  const endpoint = new URL('/cdn-cgi/local/r2/s3', origin).href
  const post = async (path: string, body: unknown) => {
    const response = await mf.dispatchFetch(new URL(path, origin).href, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
    if (response.status !== 200) throw new Error(`bucket host ${path} answered ${response.status}: ${await response.text()}`)
    return response.json()
  }
  return {
    endpoint,
    bucket,
    accessKeyId,
    secretAccessKey,
    s3Options: (overrides = {}) => ({ endpoint, bucket, accessKeyId, secretAccessKey, ...overrides }),
    async plant(objects, plantOptions = {}) {
      const batch = plantOptions.batch ?? 500
      const concurrency = plantOptions.concurrency ?? 32
      for (let start = 0; start < objects.length; start += batch) {
        await post('/plant', { objects: objects.slice(start, start + batch), concurrency })
      }
    },
    binding: async () => (await mf.getR2Bucket(BINDING)) as never,
    async count(prefix) {
      const response = await mf.dispatchFetch(new URL(`/count?prefix=${encodeURIComponent(prefix)}`, origin).href)
      return ((await response.json()) as { count: number }).count
    },
    dispose: () => mf.dispose(),
  }
}

/** A throwaway `S3ObjectStore` for planting or checking (not the one measured). */
export function s3Store(host: BucketHost, overrides: Partial<S3ObjectStoreOptions> = {}): S3ObjectStore {
  return new S3ObjectStore(host.s3Options(overrides))
}
