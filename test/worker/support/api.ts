import { env, exports } from 'cloudflare:workers'
import { mintToken, type TokenIdentity } from '../../../shared/auth/token-claims.ts'
import { parseCommitEntry, type CommitEntry } from '../../../shared/commit-entry.ts'
import { R2ObjectStore } from '../../../worker/r2-object-store.ts'

/** The secrets the workerd test project configures (vitest.config.ts): current first, then the previous one. */
export const CURRENT_SECRET = 'test-secret-current'
export const PREVIOUS_SECRET = 'test-secret-previous'

export const ORIGIN = 'http://accelerando.test'

export const ACME_WRITER: TokenIdentity = { sub: 'agent-7', name: 'Invoice Bot', email: 'bot@acme.example', tenant: 'acme', scope: 'write' }

export function tokenFor(overrides: Partial<TokenIdentity> = {}, options: { secret?: string; expiresInSeconds?: number } = {}): Promise<string> {
  return mintToken({ ...ACME_WRITER, ...overrides }, options.secret ?? CURRENT_SECRET, { expiresInSeconds: options.expiresInSeconds ?? 3600 })
}

export interface CallOptions {
  token?: string | null
  headers?: Record<string, string>
  /** A raw body instead of JSON.stringify(args). */
  body?: string
  fetcher?: (request: Request) => Response | Promise<Response>
}

/** POST /tools/<name> through the Worker's own fetch handler. */
export async function callTool(name: string, args: unknown, options: CallOptions = {}): Promise<Response> {
  const token = options.token === undefined ? await tokenFor() : options.token
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...options.headers }
  if (token !== null) headers.Authorization = `Bearer ${token}`
  const request = new Request(`${ORIGIN}/tools/${name}`, { method: 'POST', headers, body: options.body ?? JSON.stringify(args) })
  return await (options.fetcher ?? ((r: Request) => exports.default.fetch(r)))(request)
}

/** GET a path through the Worker's own fetch handler, with a token unless `token: null`. */
export async function get(path: string, options: CallOptions = {}): Promise<Response> {
  const token = options.token === undefined ? await tokenFor() : options.token
  const headers: Record<string, string> = { ...options.headers }
  if (token !== null) headers.Authorization = `Bearer ${token}`
  const request = new Request(`${ORIGIN}${path}`, { headers })
  return await (options.fetcher ?? ((r: Request) => exports.default.fetch(r)))(request)
}

/** Calls a tool and insists on a 200, returning the JSON body. */
export async function ok<T = Record<string, any>>(name: string, args: unknown, options: CallOptions = {}): Promise<T> {
  const response = await callTool(name, args, options)
  const body = await response.json()
  if (response.status !== 200) throw new Error(`${name} answered ${response.status}: ${JSON.stringify(body)}`)
  return body as T
}

export const bucket = () => new R2ObjectStore(env.BUCKET)

export async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = []
  let cursor: string | undefined
  do {
    const page = await env.BUCKET.list({ prefix, cursor })
    keys.push(...page.objects.map((object) => object.key))
    cursor = page.truncated ? page.cursor : undefined
  } while (cursor !== undefined)
  return keys
}

export async function textAt(key: string): Promise<string | null> {
  const object = await env.BUCKET.get(key)
  return object === null ? null : object.text()
}

export async function pendingEntries(tenant = 'acme'): Promise<CommitEntry[]> {
  const keys = await keysUnder(`commits/${tenant}/`)
  return Promise.all(
    keys.map(async (key) => {
      const parsed = await parseCommitEntry((await textAt(key)) ?? '')
      if (!parsed.ok) throw new Error(`bad entry ${key}: ${parsed.reason}`)
      return parsed.entry
    }),
  )
}

/** Waits for `waitUntil` work (intent clean-up) that the Worker left running after its answer. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 50 && ((await keysUnder('intents/')).length > 0 || (await committingAnswers()) > 0); i++) await new Promise((resolve) => setTimeout(resolve, 20))
}

/** Idempotency answers not yet marked answered (the mark is written after the answer, with `waitUntil`). */
async function committingAnswers(): Promise<number> {
  let count = 0
  for (const key of await keysUnder('idempotency/')) if ((await textAt(key))?.includes('"state":"committing"')) count += 1
  return count
}
