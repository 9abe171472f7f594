import { AccelerandoError } from '../../shared/errors.ts'

/** No usable bearer token: missing, malformed, expired, forged or signed with another algorithm. */
export class UnauthorizedError extends AccelerandoError {
  readonly code = 'unauthorized'
}

/** A valid token asking for something outside its tenant, scope or tool allow-list. */
export class ForbiddenError extends AccelerandoError {
  readonly code = 'forbidden'
}

/** A request body over the limit; refused while streaming, so it is never buffered whole. */
export class TooLargeError extends AccelerandoError {
  readonly code = 'too_large'
}

/** The same `Idempotency-Key` is still being answered by another call. */
export class IdempotencyInProgressError extends AccelerandoError {
  readonly code = 'idempotency_in_progress'
}
