import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ERROR_CODES, type DomainRuleCode, type ErrorCode } from '../../shared/error-codes.ts'
import { ConflictError, CorruptObjectError, DomainRuleError, NotFoundError, OperationNotAllowedError, ThrottledError, ValidationError } from '../../shared/errors.ts'
import { CommitOutcomeUnknownError } from '../../shared/git-store/index.ts'
import { errorEnvelope } from '../../worker/http/error-envelope.ts'
import { ForbiddenError, IdempotencyInProgressError, TooLargeError, UnauthorizedError } from '../../worker/http/http-errors.ts'

afterEach(() => {
  vi.restoreAllMocks()
})

/** One error that carries each code that is not a business rule's: the type makes the list exhaustive. */
const CARRIERS: Record<Exclude<ErrorCode, DomainRuleCode>, () => unknown> = {
  invalid_input: () => new ValidationError('bad'),
  unauthorized: () => new UnauthorizedError('no token'),
  forbidden: () => new ForbiddenError('not yours'),
  operation_not_allowed: () => new OperationNotAllowedError('no delete'),
  not_found: () => new NotFoundError('nothing'),
  method_not_allowed: () => new HTTPException(405, { message: 'POST only' }),
  conflict: () => new ConflictError('lost a race'),
  idempotency_in_progress: () => new IdempotencyInProgressError('still running'),
  too_large: () => new TooLargeError('too big'),
  throttled: () => new ThrottledError('slow down', 2),
  corrupt_record: () => new CorruptObjectError('data/acme/Customer/x.agi', 'truncated'),
  commit_outcome_unknown: () => new CommitOutcomeUnknownError('oid', new Error('lost answer')),
  internal: () => new Error('disk on fire'),
}

function carrier(code: ErrorCode): unknown {
  return ERROR_CODES[code].status === 422 ? new DomainRuleError(code as DomainRuleCode, 'refused') : CARRIERS[code as Exclude<ErrorCode, DomainRuleCode>]()
}

describe('the envelope answers each listed code with its listed status', () => {
  it.each(Object.keys(ERROR_CODES) as ErrorCode[])('%s', (code) => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const envelope = errorEnvelope(carrier(code), 'request-1', 'test')
    expect(envelope.body.error.code).toBe(code)
    expect(envelope.status).toBe(ERROR_CODES[code].status)
  })

  it("names hono's own statuses with listed codes of that status", () => {
    // Every listed status but 422, which only business rules answer.
    const statuses = [...new Set(Object.values(ERROR_CODES).map(({ status }) => status as number))].filter((status) => status !== 422)
    for (const status of statuses) {
      vi.spyOn(console, 'error').mockImplementation(() => {})
      const { body } = errorEnvelope(new HTTPException(status as ContentfulStatusCode), 'request-1', 'test')
      const code = body.error.code as ErrorCode
      expect(ERROR_CODES[code]?.status, `HTTPException(${status}) → ${code}`).toBe(status)
    }
  })
})
