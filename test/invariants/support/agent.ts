/**
 * A scripted agent's side of the conversation: tool calls and reads over HTTP, each one logged with what was
 * sent, what came back and what the caller expected, so an audit can later match every acknowledged write to
 * its git commit and every rejected one to the absence of any.
 */
import type { TokenIdentity } from '../../../shared/auth/token-claims.ts'

export interface CallRecord {
  /** 1-based position in the workload. */
  n: number
  label: string
  method: 'GET' | 'POST'
  path: string
  tool?: string
  args?: unknown
  /** The identity whose token was sent (undefined: none, or a deliberately broken one). */
  identity?: TokenIdentity
  status: number
  body: any
  startedMs: number
  endedMs: number
  /** A write tool that answered 2xx with a commit. */
  committed: boolean
  /** The commit message the audit expects, for writes. */
  message?: string
}

export interface Transport {
  fetch(path: string, init?: RequestInit): Promise<Response>
}

/** Where a call's token comes from: an identity (minted once, cached), a raw token string, or none. */
export type Credentials = { identity: TokenIdentity } | { raw: string; identity?: TokenIdentity } | { none: true }

export class AgentLog {
  readonly calls: CallRecord[] = []
  readonly #transport: Transport
  readonly #mint: (identity: TokenIdentity) => Promise<string>
  readonly #tokens = new Map<string, Promise<string>>()

  constructor(transport: Transport, mint: (identity: TokenIdentity) => Promise<string>) {
    this.#transport = transport
    this.#mint = mint
  }

  async #authorization(credentials: Credentials): Promise<{ header?: string; identity?: TokenIdentity }> {
    if ('none' in credentials) return {}
    if ('raw' in credentials) return { header: `Bearer ${credentials.raw}`, identity: credentials.identity }
    const cacheKey = JSON.stringify(credentials.identity)
    let token = this.#tokens.get(cacheKey)
    if (token === undefined) {
      token = this.#mint(credentials.identity)
      this.#tokens.set(cacheKey, token)
    }
    return { header: `Bearer ${await token}`, identity: credentials.identity }
  }

  /**
   * POST /tools/<tool>. `expect` lists the acceptable statuses; anything else fails the run at once, naming the
   * call. `message` is the commit message a 2xx must produce (computed from the answer for creates).
   */
  async tool(
    credentials: Credentials,
    tool: string,
    args: unknown,
    expect: readonly number[],
    options: { label?: string; message?: string | ((body: any) => string); headers?: Record<string, string> } = {},
  ): Promise<CallRecord> {
    const auth = await this.#authorization(credentials)
    const headers: Record<string, string> = { 'Content-Type': 'application/json', ...options.headers }
    if (auth.header !== undefined) headers.Authorization = auth.header
    const startedMs = Date.now()
    const response = await this.#transport.fetch(`/tools/${tool}`, { method: 'POST', headers, body: JSON.stringify(args) })
    const body = await response.json()
    const endedMs = Date.now()
    const committed = response.status === 200 && body !== null && typeof body === 'object' && body.commit !== null && body.commit !== undefined
    const record: CallRecord = {
      n: this.calls.length + 1,
      label: options.label ?? tool,
      method: 'POST',
      path: `/tools/${tool}`,
      tool,
      args,
      identity: auth.identity,
      status: response.status,
      body,
      startedMs,
      endedMs,
      committed,
    }
    if (committed && options.message !== undefined) record.message = typeof options.message === 'function' ? options.message(body) : options.message
    this.calls.push(record)
    check(record, expect)
    return record
  }

  /** GET `path` (the body is JSON, or text for `/data`). */
  async get(credentials: Credentials, path: string, expect: readonly number[], label = `GET ${path.split('?')[0]}`): Promise<CallRecord> {
    const auth = await this.#authorization(credentials)
    const headers: Record<string, string> = {}
    if (auth.header !== undefined) headers.Authorization = auth.header
    const startedMs = Date.now()
    const response = await this.#transport.fetch(path, { headers })
    const text = await response.text()
    const isJson = (response.headers.get('Content-Type') ?? '').includes('application/json')
    const record: CallRecord = {
      n: this.calls.length + 1,
      label,
      method: 'GET',
      path,
      identity: auth.identity,
      status: response.status,
      body: isJson ? JSON.parse(text) : text,
      startedMs,
      endedMs: Date.now(),
      committed: false,
    }
    this.calls.push(record)
    check(record, expect)
    return record
  }
}

function check(record: CallRecord, expect: readonly number[]): void {
  if (expect.includes(record.status)) {
    // Every error, whatever the route, is the one envelope.
    if (record.status >= 400) {
      const error = record.body?.error
      if (typeof error?.code !== 'string' || typeof error?.message !== 'string' || Object.keys(record.body).length !== 1) {
        throw new Error(`call ${record.n} (${record.label}) answered ${record.status} outside the error envelope: ${JSON.stringify(record.body)}`)
      }
    }
    return
  }
  throw new Error(
    `call ${record.n} (${record.label}) answered ${record.status}, expected ${expect.join(' or ')}:\n` +
      `  arguments: ${JSON.stringify(record.args)}\n  answer: ${JSON.stringify(record.body).slice(0, 2000)}`,
  )
}
