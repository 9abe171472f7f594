import type { DomainRuleCode, ErrorCode } from './error-codes.ts'

/**
 * Errors a client can receive are values with a stable `code` from the closed list of `error-codes.ts`, which
 * also holds the one HTTP status of each code.
 */
export abstract class AccelerandoError extends Error {
  abstract readonly code: ErrorCode
  readonly details?: unknown

  constructor(message: string, details?: unknown) {
    super(message)
    this.name = new.target.name
    this.details = details
  }
}

/**
 * Malformed `.agi` text. The message starts with `file:line:column:` so an operator can open the spot. Never
 * answered as such: stored text that does not parse reaches clients as `CorruptObjectError` (`record-io.ts`).
 */
export class AgiParseError extends Error {
  readonly file: string | undefined
  readonly line: number
  readonly column: number
  readonly reason: string

  constructor(reason: string, line: number, column: number, file?: string) {
    super(`${file ?? '<input>'}:${line}:${column}: ${reason}`)
    this.name = 'AgiParseError'
    this.reason = reason
    this.line = line
    this.column = column
    this.file = file
  }
}

export interface ValidationIssue {
  path: (string | number)[]
  message: string
}

/** Input that breaks the schema (types, REQUIRED, unknown fields, keys). Nothing was written. */
export class ValidationError extends AccelerandoError {
  readonly code = 'invalid_input'
  readonly issues: ValidationIssue[]

  constructor(message: string, issues: ValidationIssue[] = []) {
    super(message, issues.length > 0 ? { issues } : undefined)
    this.issues = issues
  }
}

/** An operation the entity's CRUD clause does not allow (e.g. deleting an Invoice). */
export class OperationNotAllowedError extends AccelerandoError {
  readonly code = 'operation_not_allowed'
}

export class NotFoundError extends AccelerandoError {
  readonly code = 'not_found'
}

/** A write lost its optimistic-concurrency race (after the one allowed retry, or against an explicit version). */
export class ConflictError extends AccelerandoError {
  readonly code = 'conflict'
}

/** A business rule refused the write: `unbalanced`, `invalid_transition`, `overpayment`, `unknown_reference`, ... */
export class DomainRuleError extends AccelerandoError {
  readonly code: DomainRuleCode

  constructor(code: DomainRuleCode, message: string, details?: unknown) {
    super(message, details)
    this.code = code
  }
}

/** The object store kept throttling (R2 answers 429 when one key is written more than about once a second). */
export class ThrottledError extends AccelerandoError {
  readonly code = 'throttled'
  readonly retryAfterSeconds: number

  constructor(message: string, retryAfterSeconds = 1) {
    super(message)
    this.retryAfterSeconds = retryAfterSeconds
  }
}

/** Stored bytes that cannot be what they claim to be (bad `.agi`, a record at the wrong path). Never read as empty. */
export class CorruptObjectError extends AccelerandoError {
  readonly code = 'corrupt_record'
  readonly key: string

  constructor(key: string, message: string, cause?: unknown) {
    super(`${key}: ${message}`)
    this.key = key
    if (cause !== undefined) this.cause = cause
  }
}
