/**
 * What the Worker benchmarks share: tool requests through the production entry point or through `createApp` over a
 * `CountingObjectStore` (storage calls and sequential round trips per call), settled seeding through the store's own
 * transactions, and the `BENCH_RESULT` lines run.ts collects.
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env, exports } from 'cloudflare:workers'
import type { FieldValue } from '../../../shared/agi/types.ts'
import { mintToken } from '../../../shared/auth/token-claims.ts'
import { GitStore } from '../../../shared/git-store/index.ts'
import { CountingObjectStore, type OperationCounts } from '../../../shared/object-store/counting-store.ts'
import { ERP_SCHEMA } from '../../../shared/schema/index.ts'
import { createApp } from '../../../worker/app.ts'
import { R2ObjectStore } from '../../../worker/r2-object-store.ts'

/** The scale run.ts asks for (`BENCH_CONFIG`), over each section's defaults. */
export function benchScale<Scale extends object>(defaults: Scale): Scale {
  return { ...defaults, ...(JSON.parse((env as unknown as { BENCH_CONFIG?: string }).BENCH_CONFIG ?? '{}') as Partial<Scale>) }
}

const SECRET = 'bench-secret'
const ORIGIN = 'http://accelerando.bench'
/** Old enough that readers trust its records without confirming their transaction (TX_CONFIRM_WINDOW_MS). */
export const SETTLED_AGE_MS = 60 * 60_000

export function emit(section: string, data: Record<string, unknown>): void {
  console.log(`BENCH_RESULT ${JSON.stringify({ section, ...data })}`)
}

const tokens = new Map<string, Promise<string>>()
export function tokenFor(tenant: string): Promise<string> {
  let token = tokens.get(tenant)
  if (token === undefined) {
    token = mintToken({ sub: 'bench-agent', name: 'Bench Agent', email: 'bench@acme.example', tenant, scope: 'write' }, SECRET, { expiresInSeconds: 3 * 3600 })
    tokens.set(tenant, token)
  }
  return token
}

export async function toolRequest(tenant: string, name: string, args: unknown): Promise<Request> {
  return new Request(`${ORIGIN}/tools/${name}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${await tokenFor(tenant)}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(args),
  })
}

export async function getRequest(tenant: string, path: string): Promise<Request> {
  return new Request(`${ORIGIN}${path}`, { headers: { Authorization: `Bearer ${await tokenFor(tenant)}` } })
}

/** Through the production entry point (worker/index.ts): real bucket, real `waitUntil`. */
export async function production(request: Request): Promise<{ status: number; body: any }> {
  const response = await exports.default.fetch(request)
  return { status: response.status, body: await response.json() }
}

export interface Counted {
  status: number
  body: any
  /** Taken as the answer is ready: what the caller waited for. */
  atAnswer: OperationCounts
  /** After the deferred clean-up finished. */
  total: OperationCounts
}

/** The app over a counting wrapper of the R2 binding, with an execution context (deferred clean-up as in production). */
export function countingApp() {
  const counting = new CountingObjectStore(new R2ObjectStore(env.BUCKET))
  const app = createApp({ objects: () => counting })
  return async (request: Request): Promise<Counted> => {
    counting.reset()
    const ctx = createExecutionContext()
    const response = await app.fetch(request, env, ctx)
    const atAnswer = counting.counts()
    const body = await response.json()
    await waitOnExecutionContext(ctx)
    return { status: response.status, body, atAnswer, total: counting.counts() }
  }
}

/** A store writing as if an hour ago: its records are settled (no transaction to confirm when read). */
export function settledStore(tenant: string): GitStore {
  return new GitStore({
    objects: new R2ObjectStore(env.BUCKET),
    schema: ERP_SCHEMA,
    tenant,
    author: { name: 'Seeder', email: 'seed@acme.example' },
    now: () => new Date(Date.now() - SETTLED_AGE_MS),
  })
}

export async function seedSettled(tenant: string, entity: string, fields: Record<string, FieldValue>): Promise<string> {
  const result = await settledStore(tenant).transaction(`seed ${entity}`, async (tx) => tx.create(entity, fields), { enforceCrud: false })
  return (result.records[0] as { record: { id: string } }).record.id
}

export async function inParallel<T>(count: number, concurrency: number, fn: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const index = next++
        results[index] = await fn(index)
      }
    }),
  )
  return results
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number
}

/** Median of each count over the calls, with the range of the round trips (they depend on timing). */
export function summarizeCounts(calls: Counted[]) {
  const pick = (source: 'atAnswer' | 'total', field: keyof OperationCounts) => median(calls.map((call) => call[source][field]))
  const fields: (keyof OperationCounts)[] = ['get', 'put', 'delete', 'list', 'classA', 'classB']
  return {
    calls: calls.length,
    statuses: [...new Set(calls.map((call) => call.status))],
    beforeAnswer: Object.fromEntries(fields.map((field) => [field, pick('atAnswer', field)])),
    withCleanUp: Object.fromEntries(fields.map((field) => [field, pick('total', field)])),
    roundTripsBeforeAnswer: { median: pick('atAnswer', 'finishedRoundTrips'), min: Math.min(...calls.map((c) => c.atAnswer.finishedRoundTrips)), max: Math.max(...calls.map((c) => c.atAnswer.finishedRoundTrips)) },
    roundTripsWithCleanUp: pick('total', 'roundTrips'),
  }
}
