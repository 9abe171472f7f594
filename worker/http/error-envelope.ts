import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import * as z from 'zod'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { ERROR_CODES, type ErrorCode } from '../../shared/error-codes.ts'
import { AccelerandoError, CorruptObjectError, DomainRuleError, NotFoundError, ThrottledError, ValidationError } from '../../shared/errors.ts'
import type { AppEnv } from '../env.ts'
import { IdempotencyInProgressError, UnauthorizedError } from './http-errors.ts'

/** The one error shape every route answers with: `{ "error": { "code", "message", "details"? } }`. */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'One of the error codes of docs/api.md, e.g. invalid_input, not_found, unbalanced.' }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ description: 'A refused or failed call.' })

export type ErrorBody = z.infer<typeof errorBodySchema>

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
const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  400: 'invalid_input',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'too_large',
  429: 'throttled',
}

/** What the envelope tells besides code and message. Server-side faults name the request: its log line is where to look. */
function detailsOf(error: AccelerandoError, requestId: string): unknown {
  if (error instanceof ValidationError) return { issues: error.issues }
  if (error instanceof DomainRuleError) return error.details
  // Stored bytes that are not what they claim: the data is at fault, not the caller, and an operator must look.
  if (error instanceof CorruptObjectError) return { key: error.key, request_id: requestId }
  if (ERROR_CODES[error.code].status >= 500) return { request_id: requestId }
  return undefined
}

function headersOf(error: AccelerandoError): Record<string, string> | undefined {
  if (error instanceof UnauthorizedError) return { 'WWW-Authenticate': 'Bearer' }
  if (error instanceof IdempotencyInProgressError) return { 'Retry-After': '1' }
  if (error instanceof ThrottledError) return { 'Retry-After': String(error.retryAfterSeconds) }
  return undefined
}

function classify(error: unknown, requestId: string): Mapped {
  if (error instanceof AccelerandoError) {
    const status = ERROR_CODES[error.code].status
    return { status, code: error.code, message: error.message, details: detailsOf(error, requestId), headers: headersOf(error), log: status >= 500 }
  }
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode
    // No route of ours raises another status; should hono, it keeps its status under a generic code.
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
