/**
 * Every error code a client can receive, with the HTTP status it answers and when. The list is closed: error
 * classes and `DomainRuleError` take only these codes, the Worker's envelope reads the status from here, and the
 * errors table of docs/api.md is generated from it (`npm run docs`).
 */
export const ERROR_CODES = {
  invalid_input: {
    status: 400,
    when: 'malformed JSON; arguments that fail the tool\'s schema or the entity\'s field rules (`details.issues`: `[{ "path", "message" }]`); a bad `cursor`, `limit`, `Idempotency-Key` or record path; a `where` on a field that is not indexed (the message names the indexed ones)',
  },
  unauthorized: { status: 401, when: 'no token, or a malformed, expired, forged, wrongly signed or badly claimed one (with `WWW-Authenticate: Bearer`)' },
  forbidden: {
    status: 403,
    when: "another tenant (a `tenant_id` in the arguments, a `/data` path, a resource URI); a read-scope token calling a write tool; a tool outside the token's allow-list, or `/data`, `/activity` and MCP resources for a token with one; an `Origin` that is neither the Worker's own nor in `ALLOWED_ORIGINS`, or under `npm start` a `Host` that is not a loopback name",
  },
  operation_not_allowed: {
    status: 403,
    when: 'a CRUD clause refuses the operation (binds every caller alike, so 403 rather than 401; the generic catalogue never offers such tools)',
  },
  not_found: { status: 404, when: 'unknown route, tool or record' },
  method_not_allowed: { status: 405, when: '`GET` or `DELETE` on `/mcp`, which is stateless and takes `POST` only' },
  conflict: {
    status: 409,
    when: '"Customer 8f3b2e1a was modified concurrently — retry your edit.", a stale `expected_version`, or a delete while an open transaction may be setting a reference to the record',
  },
  idempotency_in_progress: { status: 409, when: 'the same `Idempotency-Key` is still being answered (`Retry-After: 1`)' },
  too_large: { status: 413, when: 'a body over 256 KiB (refused while it streams in)' },
  unbalanced: { status: 422, when: "a journal entry's debits do not equal its credits (`details`: both sums and the difference)" },
  too_few_lines: { status: 422, when: 'a journal entry with fewer than two lines' },
  invalid_journal_line: { status: 422, when: 'a journal line with no side, both sides or a negative amount (`details.position`)' },
  invalid_date: { status: 422, when: 'a reversal dated before the entry it reverses' },
  invalid_transition: { status: 422, when: 'an invoice status change its lifecycle does not allow (`details`: `{ from, to, allowed }`)' },
  invoice_not_payable: { status: 422, when: 'a payment on an invoice that is not `sent`' },
  overpayment: { status: 422, when: "a payment above the invoice's balance" },
  already_reversed: { status: 422, when: 'a reversal of a journal entry that was already reversed' },
  is_reversal: { status: 422, when: 'a reversal of a journal entry that is itself a reversal' },
  unknown_reference: { status: 422, when: 'a `REFERENCES` field, a customer or an account code naming a record that does not exist' },
  ambiguous_reference: { status: 422, when: 'an account code that several accounts share' },
  inactive_account: { status: 422, when: 'a posting to an inactive account' },
  referenced: { status: 422, when: 'a delete of a record another record refers to through a `REFERENCES` field (a customer with invoices)' },
  invoice_issued: {
    status: 422,
    when: 'an edit of an invoice past `draft` would change `customer_id`, `currency`, `number` or `issue_date` (`details`: `{ status, fields }`)',
  },
  duplicate_account_code: { status: 422, when: 'another account of the tenant has the code' },
  account_in_use: { status: 422, when: 'a journal line uses the code, so it cannot change; name, description and `active` stay editable' },
  idempotency_mismatch: { status: 422, when: 'the same `Idempotency-Key` with other arguments or another tool' },
  throttled: { status: 429, when: 'R2 kept throttling after retries (`Retry-After`)' },
  corrupt_record: { status: 500, when: 'stored bytes that cannot be what they claim (`details.key`); logged' },
  commit_outcome_unknown: {
    status: 500,
    when: 'the commit could not be confirmed either way; retry with the same `Idempotency-Key` (replayed if it committed, 409 until settled), or look at `GET /activity` (the recovery pass settles it)',
  },
  internal: { status: 500, when: 'anything else; `details.request_id` matches the `X-Request-Id` header and the log line' },
} as const satisfies Record<string, { status: number; when: string }>

export type ErrorCode = keyof typeof ERROR_CODES

/** The codes of business rules that refused a write (422): the only codes `DomainRuleError` takes. */
export type DomainRuleCode = { [Code in ErrorCode]: (typeof ERROR_CODES)[Code]['status'] extends 422 ? Code : never }[ErrorCode]

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code)
}

/**
 * A code built from names (`duplicate_<entity>_<field>`), checked against the list: a schema that declares a new
 * guarded field needs its codes listed here before the guard can refuse anything.
 */
export function listedDomainRuleCode(code: string): DomainRuleCode {
  if (!isErrorCode(code) || ERROR_CODES[code].status !== 422) throw new Error(`error code ${code} is not a listed 422 code: add it to shared/error-codes.ts`)
  return code as DomainRuleCode
}
