import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import {
  ConflictError,
  CorruptObjectError,
  DomainRuleError,
  NotFoundError,
  OperationNotAllowedError,
  ThrottledError,
  ValidationError,
} from '../../shared/errors.ts'
import { CommitOutcomeUnknownError } from '../../shared/git-store/index.ts'
import type { AppEnv } from '../env.ts'
import { ForbiddenError, IdempotencyInProgressError, TooLargeError, UnauthorizedError } from './http-errors.ts'

/** The one error shape every route answers with: `{ "error": { "code", "message", "details"? } }`. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown }
}

interface Mapped {
  status: ContentfulStatusCode
  code: string
  message: string
  details?: unknown
  headers?: Record<string, string>
  /** Server-side faults are logged; client mistakes are not. */
  log?: boolean
}

/** Statuses of hono's own `HTTPException`s, named like ours. */
const CODE_BY_STATUS: Partial<Record<number, string>> = {
  400: 'invalid_input',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'too_large',
  429: 'throttled',
}

function classify(error: unknown, requestId: string): Mapped {
  if (error instanceof ValidationError) return { status: 400, code: error.code, message: error.message, details: { issues: error.issues } }
  if (error instanceof UnauthorizedError) {
    return { status: 401, code: error.code, message: error.message, headers: { 'WWW-Authenticate': 'Bearer' } }
  }
  if (error instanceof ForbiddenError) return { status: 403, code: error.code, message: error.message }
  // CRUD clauses bind every caller alike, whatever the token: refused, not unauthorised.
  if (error instanceof OperationNotAllowedError) return { status: 403, code: error.code, message: error.message }
  if (error instanceof NotFoundError) return { status: 404, code: error.code, message: error.message }
  if (error instanceof IdempotencyInProgressError) {
    return { status: 409, code: error.code, message: error.message, headers: { 'Retry-After': '1' } }
  }
  if (error instanceof ConflictError) return { status: 409, code: error.code, message: error.message }
  if (error instanceof TooLargeError) return { status: 413, code: error.code, message: error.message }
  if (error instanceof DomainRuleError) return { status: 422, code: error.code, message: error.message, details: error.details }
  if (error instanceof ThrottledError) {
    return { status: 429, code: error.code, message: error.message, headers: { 'Retry-After': String(error.retryAfterSeconds) } }
  }
  // Stored bytes that are not what they claim: the data is at fault, not the caller, and an operator must look.
  if (error instanceof CorruptObjectError) {
    return { status: 500, code: 'corrupt_record', message: error.message, details: { key: error.key, request_id: requestId }, log: true }
  }
  // The commit may or may not have happened; the caller must look (GET /activity) before retrying.
  if (error instanceof CommitOutcomeUnknownError) {
    return { status: 500, code: 'commit_outcome_unknown', message: error.message, details: { request_id: requestId }, log: true }
  }
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode
    const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal' : 'error')
    return { status, code, message: error.message || code, log: status >= 500 }
  }
  return { status: 500, code: 'internal', message: `internal error (request ${requestId})`, details: { request_id: requestId }, log: true }
}

/** An error as the envelope and the HTTP status and headers it answers with. */
export interface ErrorEnvelope {
  status: ContentfulStatusCode
  body: ErrorBody
  headers: Record<string, string>
}

/**
 * Every thrown error becomes the envelope here, and only here: HTTP routes answer with it (`errorResponse`), and
 * MCP carries the same body inside a tool result. `context` names the failed operation in the log line.
 */
export function errorEnvelope(error: unknown, requestId: string, context: string): ErrorEnvelope {
  const mapped = classify(error, requestId)
  if (mapped.log) console.error(`request ${requestId} failed: ${context}`, error)
  const body: ErrorBody = { error: { code: mapped.code, message: mapped.message } }
  if (mapped.details !== undefined) body.error.details = mapped.details
  return { status: mapped.status, body, headers: mapped.headers ?? {} }
}

/** `app.onError`: the envelope as an HTTP answer. */
export function errorResponse(error: unknown, c: Context<AppEnv>): Response {
  const requestId = c.get('requestId') ?? crypto.randomUUID()
  const envelope = errorEnvelope(error, requestId, `${c.req.method} ${new URL(c.req.url).pathname}`)
  for (const [name, value] of Object.entries(envelope.headers)) c.header(name, value)
  return c.json(envelope.body, envelope.status)
}

/** `app.notFound`: unknown routes answer with the same envelope. */
export function routeNotFound(c: Context<AppEnv>): Response {
  return errorResponse(new NotFoundError(`no route ${c.req.method} ${new URL(c.req.url).pathname}`), c)
}
