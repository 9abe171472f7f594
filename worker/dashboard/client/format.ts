/** Pure formatting rules of the dashboard: no DOM, so they are unit-tested in Node. */

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/**
 * "just now", "42s ago", "2m ago", "5h ago", "3d ago", then the date. A time slightly ahead of this clock (the
 * Worker's clock, not the browser's, stamped it) reads as "just now" rather than as the future.
 *
 * @example relativeTime('2026-06-25T16:52:37.000Z', Date.parse('2026-06-25T16:54:37.000Z')) // '2m ago'
 */
export function relativeTime(iso: string, now: number): string {
  const then = Date.parse(iso)
  if (Number.isNaN(then)) return iso
  const elapsed = now - then
  if (elapsed < 5 * SECOND) return 'just now'
  if (elapsed < MINUTE) return `${Math.floor(elapsed / SECOND)}s ago`
  if (elapsed < HOUR) return `${Math.floor(elapsed / MINUTE)}m ago`
  if (elapsed < DAY) return `${Math.floor(elapsed / HOUR)}h ago`
  if (elapsed < 30 * DAY) return `${Math.floor(elapsed / DAY)}d ago`
  return iso.slice(0, 10)
}

/** git's customary short SHA. */
export function shortSha(sha: string): string {
  return sha.slice(0, 7)
}

/**
 * Where a synced commit can be seen: `<repository>/commit/<sha>` for a web repository (GitHub, GitHub
 * Enterprise). A local repository (`file:` URL, as `npm start` records) or anything else is not linked: a
 * browser will not open it from a web page.
 */
export function commitUrl(repository: string | undefined, sha: string | undefined): string | undefined {
  if (repository === undefined || sha === undefined || !/^[0-9a-f]{40}$/.test(sha)) return undefined
  let url: URL
  try {
    url = new URL(repository)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined
  return `${url.href.replace(/\/+$/, '')}/commit/${sha}`
}

/** A record path `data/<tenant>/<Entity>/<id>.agi`, split for display; null for anything else. */
export function recordPath(path: string): { tenant: string; entity: string; id: string } | null {
  const match = /^data\/([^/]+)\/([^/]+)\/([^/]+)\.agi$/.exec(path)
  if (match === null) return null
  return { tenant: match[1] as string, entity: match[2] as string, id: match[3] as string }
}

/** The first block of a UUID: enough to tell records apart on screen, as git's short SHAs are. */
export function shortId(id: string): string {
  return id.length > 8 ? `${id.slice(0, 8)}…` : id
}
