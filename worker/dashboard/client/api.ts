/**
 * The Worker's API as the dashboard calls it: same origin (the CSP allows nothing else), the session's token
 * as the bearer, and every failure sorted into what the page does about it.
 */
import type { ActivityPage, ToolListing } from './types.ts'

/** The token was refused (expired, forged, another secret): the page goes back to sign-in. */
export class UnauthorizedError extends Error {}

/** The Worker could not be reached at all: the page keeps its data and retries. */
export class NetworkError extends Error {}

/** The Worker answered with an error envelope other than 401. */
export class ApiError extends Error {
  status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

export interface Api {
  activity(options: { limit: number; cursor?: string | null }): Promise<ActivityPage>
  /** A record's `.agi` text; null when it no longer exists. */
  record(path: string): Promise<string | null>
  tools(): Promise<ToolListing[]>
}

export function createApi(token: () => string | null): Api {
  async function call(path: string): Promise<Response> {
    const headers: Record<string, string> = {}
    const bearer = token()
    if (bearer !== null) headers.Authorization = `Bearer ${bearer}`
    let response: Response
    try {
      response = await fetch(path, { headers, cache: 'no-store' })
    } catch (error) {
      throw new NetworkError(error instanceof Error ? error.message : String(error))
    }
    if (response.status === 401) throw new UnauthorizedError(await errorMessage(response))
    return response
  }

  async function json<T>(path: string): Promise<T> {
    const response = await call(path)
    if (!response.ok) throw new ApiError(response.status, await errorMessage(response))
    return (await response.json()) as T
  }

  return {
    activity({ limit, cursor }) {
      const query = new URLSearchParams({ limit: String(limit) })
      if (cursor) query.set('cursor', cursor)
      return json<ActivityPage>(`/activity?${query}`)
    },
    async record(path) {
      const response = await call(`/${path.split('/').map(encodeURIComponent).join('/')}`)
      if (response.status === 404) return null
      if (!response.ok) throw new ApiError(response.status, await errorMessage(response))
      return await response.text()
    },
    async tools() {
      return (await json<{ tools: ToolListing[] }>('/tools')).tools
    },
  }
}

/** The envelope's message (`{ "error": { "message" } }`), else the status line. */
async function errorMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { message?: unknown } }
    if (typeof body.error?.message === 'string') return body.error.message
  } catch {
    // Not JSON: a proxy's page, say.
  }
  return `${response.status} ${response.statusText}`.trim()
}
