/** The whole bucket as key → ETag, to prove that a call wrote nothing (or exactly what it should). */
import { env } from 'cloudflare:workers'

export type Listing = Map<string, string>

export async function listing(prefix = ''): Promise<Listing> {
  const all: Listing = new Map()
  let cursor: string | undefined
  do {
    const page = await env.BUCKET.list({ prefix, cursor, limit: 1000 })
    for (const object of page.objects) all.set(object.key, object.etag)
    cursor = page.truncated ? page.cursor : undefined
  } while (cursor !== undefined)
  return all
}

export function diff(before: Listing, after: Listing): { added: string[]; changed: string[]; removed: string[] } {
  const added = [...after.keys()].filter((key) => !before.has(key))
  const changed = [...after.keys()].filter((key) => before.has(key) && before.get(key) !== after.get(key))
  const removed = [...before.keys()].filter((key) => !after.has(key))
  return { added, changed, removed }
}
