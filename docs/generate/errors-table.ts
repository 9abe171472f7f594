import { ERROR_CODES } from '../../shared/error-codes.ts'
import { markdownTable } from './sections.ts'

/** The errors table of docs/api.md: every code a client can receive, by status. */
export function errorsTable(): string {
  const rows = Object.entries(ERROR_CODES)
    .sort(([, a], [, b]) => a.status - b.status)
    .map(([code, { status, when }]) => [String(status), `\`${code}\``, when])
  return markdownTable(['status', 'code', 'when'], rows)
}
