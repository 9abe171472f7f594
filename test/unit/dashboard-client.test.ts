import { readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { GENERATED_FILE, renderClientAssets } from '../../worker/dashboard/build-client.ts'
import { parseRecordText } from '../../worker/dashboard/client/agi.ts'
import { decodeClaims, isExpired } from '../../worker/dashboard/client/claims.ts'
import { commitUrl, recordPath, relativeTime, shortSha } from '../../worker/dashboard/client/format.ts'
import { createPoller } from '../../worker/dashboard/client/poller.ts'

describe('the dashboard build', () => {
  it('serves what the client sources compile to (npm run build:dashboard rewrites it)', () => {
    const committed = readFileSync(GENERATED_FILE, 'utf8')
    const fresh = renderClientAssets()
    // File by file (name and content hash) first, so a stale file is reported in a few lines, not as two bundles.
    const files = (text: string) => [...text.matchAll(/^ {2}"([^"]+)": \{\n.*\n {4}etag: "(.*)",$/gm)].map(([, name, etag]) => `${name} ${etag}`)
    const stale = 'worker/dashboard/client-assets.generated.ts is out of date: run npm run build:dashboard'
    expect(files(committed), stale).toEqual(files(fresh))
    expect(committed === fresh, stale).toBe(true)
  })
})

describe('relativeTime', () => {
  const now = Date.parse('2026-06-25T16:54:37.000Z')
  it.each([
    ['2026-06-25T16:54:36.000Z', 'just now'],
    ['2026-06-25T16:54:40.000Z', 'just now'],
    ['2026-06-25T16:54:00.000Z', '37s ago'],
    ['2026-06-25T16:52:37.000Z', '2m ago'],
    ['2026-06-25T11:54:37.000Z', '5h ago'],
    ['2026-06-22T16:54:37.000Z', '3d ago'],
    ['2026-04-01T08:00:00.000Z', '2026-04-01'],
    ['not a time', 'not a time'],
  ])('%s → %s', (iso, expected) => {
    expect(relativeTime(iso, now)).toBe(expected)
  })
})

describe('commit links', () => {
  const sha = '0123456789abcdef0123456789abcdef01234567'
  it('link a web repository to the commit', () => {
    expect(commitUrl('https://github.com/acme/books', sha)).toBe(`https://github.com/acme/books/commit/${sha}`)
    expect(commitUrl('https://github.example.com/acme/books/', sha)).toBe(`https://github.example.com/acme/books/commit/${sha}`)
    expect(shortSha(sha)).toBe('0123456')
  })
  it('leave local repositories, other schemes and odd SHAs unlinked', () => {
    expect(commitUrl('file:///home/dev/.accelerando/origin.git', sha)).toBeUndefined()
    expect(commitUrl('javascript:alert(1)//', sha)).toBeUndefined()
    expect(commitUrl('not a url', sha)).toBeUndefined()
    expect(commitUrl(undefined, sha)).toBeUndefined()
    expect(commitUrl('https://github.com/acme/books', 'abc')).toBeUndefined()
  })
  it('split record paths', () => {
    expect(recordPath('data/acme/Invoice/0199ab12-0000-7000-8000-000000000000.agi')).toEqual({ tenant: 'acme', entity: 'Invoice', id: '0199ab12-0000-7000-8000-000000000000' })
    expect(recordPath('commits/acme/x.json')).toBeNull()
  })
})

describe('parseRecordText', () => {
  it('reads canonical fields, unescaping strings and keeping other literals as written', () => {
    const text = 'RECORD Invoice 0199ab12-0000-7000-8000-000000000000 {\n  number : "INV \\"42\\"\\n2"\n  total  : 1750.00\n  meta   : {"a":[1,2]}\n  paid   : false\n}\n'
    expect(parseRecordText(text)).toEqual({
      entity: 'Invoice',
      id: '0199ab12-0000-7000-8000-000000000000',
      fields: [
        { name: 'number', value: 'INV "42"\n2', literal: '"INV \\"42\\"\\n2"', kind: 'string' },
        { name: 'total', value: '1750.00', literal: '1750.00', kind: 'other' },
        { name: 'meta', value: '{"a":[1,2]}', literal: '{"a":[1,2]}', kind: 'other' },
        { name: 'paid', value: 'false', literal: 'false', kind: 'other' },
      ],
    })
  })
  it('answers null for text that is not a canonical record', () => {
    expect(parseRecordText('hello')).toBeNull()
    expect(parseRecordText('RECORD Invoice x {\n  total 12\n}\n')).toBeNull()
  })
})

describe('decodeClaims', () => {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const token = (claims: unknown) => `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}.signature`
  const claims = { sub: 'dev', name: 'Zoë Developer', email: 'dev@acme.localhost', tenant: 'acme', scope: 'write', exp: 2_000_000_000 }

  it('reads the claims the page shows, in any script', () => {
    expect(decodeClaims(token(claims))).toEqual(claims)
    expect(isExpired(decodeClaims(token(claims))!, Date.parse('2026-01-01T00:00:00Z'))).toBe(false)
    expect(isExpired(decodeClaims(token({ ...claims, exp: 1 }))!, Date.now())).toBe(true)
  })
  it('answers null for anything else', () => {
    expect(decodeClaims('not-a-token')).toBeNull()
    expect(decodeClaims('a.b.c')).toBeNull()
    expect(decodeClaims(token({ ...claims, tenant: undefined }))).toBeNull()
    expect(decodeClaims(token({ ...claims, exp: 'soon' }))).toBeNull()
  })
})

describe('createPoller', () => {
  /** Just enough of a document: visibility and its event. */
  function fakeDocument() {
    const target = new EventTarget() as EventTarget & { hidden: boolean }
    target.hidden = false
    return {
      doc: target as unknown as Document,
      setHidden(hidden: boolean) {
        target.hidden = hidden
        target.dispatchEvent(new Event('visibilitychange'))
      },
    }
  }

  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('refreshes on schedule, not at all while the tab is hidden, and at once when it is shown again', async () => {
    const { doc, setHidden } = fakeDocument()
    const tick = vi.fn(async () => true)
    const poller = createPoller({ intervalMs: 1000, maxBackoffMs: 8000, tick, document: doc })
    poller.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(tick).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(3000)
    expect(tick).toHaveBeenCalledTimes(4)
    setHidden(true)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(tick).toHaveBeenCalledTimes(4)
    setHidden(false)
    await vi.advanceTimersByTimeAsync(0)
    expect(tick).toHaveBeenCalledTimes(5)
    poller.stop()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(tick).toHaveBeenCalledTimes(5)
  })

  it('backs off after failures, up to its limit, and returns to the interval after a success', async () => {
    const { doc } = fakeDocument()
    const outcomes = [false, false, false, false, false, true]
    const delays: [number, boolean][] = []
    const poller = createPoller({ intervalMs: 1000, maxBackoffMs: 5000, tick: async () => outcomes.shift() ?? true, onSchedule: (delay, failed) => delays.push([delay, failed]), document: doc })
    poller.start()
    await vi.advanceTimersByTimeAsync(30_000)
    poller.stop()
    expect(delays.slice(0, 7)).toEqual([
      [1000, true],
      [2000, true],
      [4000, true],
      [5000, true],
      [5000, true],
      [1000, false],
      [1000, false],
    ])
  })
})
