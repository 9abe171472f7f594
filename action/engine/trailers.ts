/**
 * The trailers that tie a git commit to the entries it carries. They are how a run knows what is
 * already on the branch, so reading them must not be fooled by the text an agent wrote.
 */
import { UUID_SOURCE } from '../../shared/patterns.ts'

export const ENTRY_TRAILER = 'Accelerando-Entry'
export const TENANT_TRAILER = 'Accelerando-Tenant'

const ENTRY_LINE = new RegExp(`^${ENTRY_TRAILER}: (${UUID_SOURCE})$`)

/**
 * `message`, a blank line, then one `Accelerando-Entry` line per oid and one `Accelerando-Tenant`
 * line per tenant. The trailers always form the last paragraph, so trailer-like lines inside an
 * entry's own message are never read as ours.
 */
export function withTrailers(message: string, oids: readonly string[], tenants: readonly string[]): string {
  const body = message.replace(/\s+$/, '')
  const trailers = [...oids.map((oid) => `${ENTRY_TRAILER}: ${oid}`), ...[...new Set(tenants)].map((tenant) => `${TENANT_TRAILER}: ${tenant}`)]
  return `${body}\n\n${trailers.join('\n')}\n`
}

/**
 * The entry oids a commit message claims, read from its last paragraph only (where `withTrailers`
 * puts them, and where git's own trailer rules look). Parsed here rather than with
 * `%(trailers)` so the rule cannot shift with git's version or its `---` divider handling.
 */
export function entryOidsInMessage(message: string): string[] {
  const paragraphs = message.replace(/\r\n/g, '\n').replace(/\s+$/, '').split(/\n[ \t]*\n/)
  const last = paragraphs.at(-1) ?? ''
  if (paragraphs.length < 2) return []
  const oids: string[] = []
  for (const line of last.split('\n')) {
    const match = ENTRY_LINE.exec(line.trim())
    if (match?.[1] !== undefined) oids.push(match[1])
  }
  return oids
}
