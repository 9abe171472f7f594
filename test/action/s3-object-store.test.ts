import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  decodeMetadataValue,
  encodeMetadataValue,
  S3DeleteError,
  S3ObjectStore,
  S3RequestError,
} from '../../action/s3-object-store.ts'
import { ThrottledError } from '../../shared/errors.ts'
import { describeObjectStoreContract } from '../contract/object-store-contract.ts'
import { startMiniflareR2, type MiniflareR2 } from '../support/miniflare-r2.ts'

let r2: MiniflareR2
let run = 0
/** A fresh prefix per test: the bucket is shared by the whole file. */
const scope = (label: string) => `s3/${label}-${run++}/`

beforeAll(async () => {
  r2 = await startMiniflareR2()
})
afterAll(async () => {
  await r2?.dispose()
})

// The shared ObjectStore contract, less list metadata (ListObjectsV2 does not return it). The
// S3-specific behaviour is pinned below.
describeObjectStoreContract('S3ObjectStore (Miniflare local R2 over S3)', () => r2.store, { listMetadata: false })

async function putMany(store: S3ObjectStore, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 100) await Promise.all(keys.slice(i, i + 100).map((key) => store.put(key, key)))
}

type Interception = { respond: { status: number; body?: string; headers?: Record<string, string> } } | { dropAfterForward: true } | undefined

/**
 * An HTTP proxy in front of Miniflare's S3 endpoint that can answer in its place or swallow an
 * answer after forwarding: the faults (5xx, 429, a connection lost after the write) that the
 * local bucket never produces by itself. Signatures stay valid because the Host header is kept.
 */
async function startFaultProxy(intercept: (req: IncomingMessage, body: Buffer) => Interception) {
  const target = new URL(r2.endpoint)
  const seen: { method: string; path: string }[] = []
  let inFlight = 0
  let maxInFlight = 0
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      seen.push({ method: req.method ?? '', path: req.url ?? '' })
      const action = intercept(req, body)
      if (action !== undefined && 'respond' in action) {
        res.writeHead(action.respond.status, action.respond.headers ?? {})
        res.end(action.respond.body ?? '')
        return
      }
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      const upstream = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          const parts: Buffer[] = []
          answer.on('data', (chunk: Buffer) => parts.push(chunk))
          answer.on('end', () => {
            inFlight--
            if (action !== undefined && 'dropAfterForward' in action) {
              res.socket?.destroy()
              return
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers)
            res.end(Buffer.concat(parts))
          })
        },
      )
      // An upstream connection reset (the proxy closing under a request still in flight, a busy emulator) reaches
      // the client as a dropped connection, as it would from a real network; it must not escape as an uncaught error.
      upstream.on('error', () => {
        inFlight--
        res.socket?.destroy()
      })
      upstream.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const store = r2.makeStore({ endpoint: `http://127.0.0.1:${port}${target.pathname}` })
  return {
    store,
    seen,
    get maxInFlight() {
      return maxInFlight
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        // Kept-alive client sockets would otherwise hold close() open until they time out.
        server.closeAllConnections()
      }),
  }
}

describe('S3ObjectStore over Miniflare', () => {
  it('reads and writes text with the R2 binding seeing the same objects and versions', async () => {
    const bucket = await r2.r2Bucket()
    const key = `${scope('binding')}a.agi`
    const text = 'RECORD Customer x {\n  name : "Zoë 😀"\n}\n'
    const put = await r2.store.put(key, text, { metadata: { tx: 'T1' } })
    const seenByWorker = await bucket.get(key)
    expect(await seenByWorker?.text()).toBe(text)
    expect(seenByWorker?.etag).toBe(put?.version)
    expect(seenByWorker?.customMetadata).toEqual({ tx: 'T1' })

    await bucket.put(key, 'written by the Worker', { customMetadata: { tx: 'T2' } })
    const written = await bucket.head(key)
    expect(await r2.store.get(key)).toEqual({ key, version: written?.etag, text: 'written by the Worker', metadata: { tx: 'T2' } })
  })

  it('reads metadata the Worker wrote with non-ASCII values', async () => {
    const bucket = await r2.r2Bucket()
    const key = `${scope('worker-metadata')}k`
    const metadata = { message: 'edit Invoice 8f3b2e1a: status → paid', author_name: 'Zoë Ørsted 請求', tab: 'a\tb' }
    await bucket.put(key, 'x', { customMetadata: metadata })
    expect((await r2.store.get(key))?.metadata).toEqual(metadata)
  })

  it('round-trips metadata values that HTTP headers cannot carry as they are', async () => {
    const key = `${scope('metadata')}k`
    const metadata = {
      unicode: 'status → paid, Ørsted, 請求書 🧾',
      control: 'line one\nline two\ttabbed\r',
      edges: '  padded  ',
      lookalike: '=?UTF-8?B?aGk=?=',
      long: '→'.repeat(400),
      empty: '',
      plain: 'just ascii',
    }
    await r2.store.put(key, 'x', { metadata })
    expect((await r2.store.get(key))?.metadata).toEqual(metadata)
  })

  it('refuses metadata names that S3 would change', async () => {
    const key = `${scope('metadata-names')}k`
    await expect(r2.store.put(key, 'x', { metadata: { txId: '1' } })).rejects.toThrow(/lower-case HTTP token/)
    await expect(r2.store.put(key, 'x', { metadata: { 'tx id': '1' } })).rejects.toThrow(/lower-case HTTP token/)
    expect(await r2.store.get(key)).toBeNull()
  })

  it('lists without metadata, by design of ListObjectsV2', async () => {
    const prefix = scope('list-metadata')
    const put = await r2.store.put(`${prefix}k`, 'abc', { metadata: { tx: 'T' } })
    expect((await r2.store.list({ prefix })).objects).toEqual([{ key: `${prefix}k`, version: put?.version, size: 3, metadata: {} }])
  })

  it('lists the next level of prefixes, across pages', async () => {
    const prefix = scope('prefixes')
    const tenants = Array.from({ length: 25 }, (_, i) => `t${String(i).padStart(4, '0')}`)
    await putMany(r2.store, [...tenants.map((tenant) => `${prefix}${tenant}/a.json`), `${prefix}t0000/b.json`, `${prefix}loose.json`])
    expect(await r2.store.listPrefixes(prefix)).toEqual(tenants.map((tenant) => `${prefix}${tenant}/`))
    expect(await r2.store.listPrefixes(prefix, { pageSize: 4 })).toEqual(tenants.map((tenant) => `${prefix}${tenant}/`))
    expect(await r2.store.listPrefixes(`${prefix}t0000/`)).toEqual([])
  })

  describe('conditional puts', () => {
    it('create-only: the first wins, a second returns null and changes nothing', async () => {
      const key = `${scope('if-absent')}k`
      const first = await r2.store.put(key, 'first', { condition: { ifAbsent: true }, metadata: { tx: 'a' } })
      expect(first).not.toBeNull()
      expect(await r2.store.put(key, 'second', { condition: { ifAbsent: true }, metadata: { tx: 'b' } })).toBeNull()
      expect(await r2.store.get(key)).toEqual({ key, version: first?.version, text: 'first', metadata: { tx: 'a' } })
    })

    it('ifVersion holds only for the current version, and never creates', async () => {
      const key = `${scope('if-version')}k`
      const v1 = await r2.store.put(key, 'v1')
      const v2 = await r2.store.put(key, 'v2', { condition: { ifVersion: v1!.version } })
      expect(v2).not.toBeNull()
      expect(await r2.store.put(key, 'v3', { condition: { ifVersion: v1!.version } })).toBeNull()
      expect((await r2.store.get(key))?.text).toBe('v2')
      expect(await r2.store.put(`${key}-missing`, 'x', { condition: { ifVersion: v2!.version } })).toBeNull()
      expect(await r2.store.get(`${key}-missing`)).toBeNull()
    })

    it('a version read through the R2 binding guards an S3 put, and a Worker write fails a stale one', async () => {
      const bucket = await r2.r2Bucket()
      const key = `${scope('cross-runtime')}k`
      await bucket.put(key, 'from the Worker')
      const read = await r2.store.get(key)
      await bucket.put(key, 'the Worker again')
      expect(await r2.store.put(key, 'stale edit', { condition: { ifVersion: read!.version } })).toBeNull()
      const fresh = await bucket.head(key)
      expect(await r2.store.put(key, 'fresh edit', { condition: { ifVersion: fresh!.etag } })).not.toBeNull()
      expect(await (await bucket.get(key))?.text()).toBe('fresh edit')
    })

    it('a create-only write whose answer was lost is recognised as ours on retry', async () => {
      const key = `${scope('lost-answer')}k`
      let dropped = false
      const proxy = await startFaultProxy((req) => {
        if (req.method === 'PUT' && !dropped) {
          dropped = true
          return { dropAfterForward: true }
        }
        return undefined
      })
      try {
        const result = await proxy.store.put(key, 'mine', { condition: { ifAbsent: true } })
        expect(result).not.toBeNull()
        expect(await r2.store.get(key)).toMatchObject({ text: 'mine', version: result?.version })
        // The first PUT landed without an answer, the retry met our own object (412), a HEAD settled it.
        expect(proxy.seen.map((r) => r.method)).toEqual(['PUT', 'PUT', 'HEAD'])
        // Someone else's object is still a failed condition after an unclear first try.
        dropped = false
        expect(await proxy.store.put(key, 'another text', { condition: { ifAbsent: true } })).toBeNull()
      } finally {
        await proxy.close()
      }
    })
  })

  describe('retries and errors', () => {
    it('retries 5xx answers and succeeds', async () => {
      const key = `${scope('retry-5xx')}k`
      let failures = 2
      const proxy = await startFaultProxy(() => (failures-- > 0 ? { respond: { status: 503, body: '' } } : undefined))
      try {
        expect(await proxy.store.put(key, 'x')).not.toBeNull()
        expect(proxy.seen).toHaveLength(3)
      } finally {
        await proxy.close()
      }
    })

    it('turns persistent 429s into ThrottledError after the bounded attempts', async () => {
      const proxy = await startFaultProxy(() => ({
        respond: { status: 429, body: '<?xml version="1.0"?><Error><Code>SlowDown</Code><Message>slow down</Message></Error>' },
      }))
      try {
        await expect(proxy.store.get(`${scope('throttled')}k`)).rejects.toBeInstanceOf(ThrottledError)
        expect(proxy.seen).toHaveLength(3)
      } finally {
        await proxy.close()
      }
    })

    it('gives a clear 403 for a wrong secret, without retrying', async () => {
      const proxy = await startFaultProxy(() => undefined)
      const store = r2.makeStore({ endpoint: proxy.store.endpoint, secretAccessKey: 'not-the-secret' })
      try {
        const error = await store.get(`${scope('wrong-secret')}k`).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(S3RequestError)
        expect(error).toMatchObject({ status: 403, s3Code: 'SignatureDoesNotMatch', operation: 'GetObject' })
        expect((error as Error).message).toMatch(/HTTP 403 SignatureDoesNotMatch.*Check the access key id and secret access key/)
        expect(proxy.seen).toHaveLength(1)
        await expect(store.list({ prefix: '' })).rejects.toMatchObject({ status: 403 })
        await expect(store.put('k', 'x')).rejects.toMatchObject({ status: 403 })
      } finally {
        await proxy.close()
      }
    })

    it('rejects an unknown access key id', async () => {
      const store = r2.makeStore({ accessKeyId: 'nobody' })
      await expect(store.get('k')).rejects.toMatchObject({ name: 'S3RequestError', status: 401 })
    })

    it('does not mistake a missing bucket for a missing key', async () => {
      const store = r2.makeStore({ bucket: 'no-such-bucket' })
      const error = await store.get('k').catch((e: unknown) => e)
      expect(error).toMatchObject({ status: 404, s3Code: 'NoSuchBucket' })
      expect((error as Error).message).toMatch(/Check the bucket name/)
    })

    it('reports an endpoint that does not answer, after retrying', async () => {
      const server = createServer()
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      const { port } = server.address() as AddressInfo
      await new Promise<void>((resolve) => server.close(() => resolve()))
      const store = r2.makeStore({ endpoint: `http://127.0.0.1:${port}/s3` })
      const error = await store.get('k').catch((e: unknown) => e)
      expect(error).toBeInstanceOf(S3RequestError)
      expect(error).toMatchObject({ status: undefined })
      expect((error as Error).message).toMatch(/got no answer \(ECONNREFUSED/)
    })

    it('builds the R2 endpoint from an account id', () => {
      const store = new S3ObjectStore({ accountId: '0123456789abcdef0123456789abcdef', bucket: 'b', accessKeyId: 'a', secretAccessKey: 's' })
      expect(store.endpoint).toBe('https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com')
      store.destroy()
      expect(() => new S3ObjectStore({ accountId: 'evil.example/x', bucket: 'b', accessKeyId: 'a', secretAccessKey: 's' })).toThrow(TypeError)
      expect(() => new S3ObjectStore({ bucket: 'b', accessKeyId: 'a', secretAccessKey: 's' })).toThrow(TypeError)
    })
  })

  describe('many keys', () => {
    it('pages through 1,500 keys with continuation tokens, limits and startAfter', async () => {
      const prefix = scope('paging')
      const keys = Array.from({ length: 1500 }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`)
      await putMany(r2.store, keys)

      const first = await r2.store.list({ prefix })
      expect(first.objects).toHaveLength(1000)
      expect(first.cursor).toBeDefined()
      const second = await r2.store.list({ prefix, cursor: first.cursor })
      expect(second.objects.map((o) => o.key)).toEqual(keys.slice(1000))
      expect(second.cursor).toBeUndefined()

      expect((await r2.store.list({ prefix, limit: 5000 })).objects).toHaveLength(1000)

      const all: string[] = []
      for await (const object of r2.store.listAll(prefix, { pageSize: 400 })) all.push(object.key)
      expect(all).toEqual(keys)

      const tail: string[] = []
      for await (const object of r2.store.listAll(prefix, { startAfter: keys[1199] })) tail.push(object.key)
      expect(tail).toEqual(keys.slice(1200))

      const empty: string[] = []
      for await (const object of r2.store.listAll(`${prefix}nothing`)) empty.push(object.key)
      expect(empty).toEqual([])
      await expect(r2.store.list({ prefix, limit: 0 })).rejects.toThrow(RangeError)
    })

    it('deletes 1,500 keys in two batch calls', async () => {
      const prefix = scope('batch-delete')
      const keys = Array.from({ length: 1500 }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`)
      await putMany(r2.store, keys)
      await r2.store.put(`${prefix.slice(0, -1)}-neighbour`, 'stays')

      const proxy = await startFaultProxy(() => undefined)
      try {
        await proxy.store.delete([...keys, `${prefix}never-existed`])
        expect(proxy.seen.map((r) => r.method)).toEqual(['POST', 'POST'])
        expect(proxy.seen.every((r) => r.path.includes('delete'))).toBe(true)
      } finally {
        await proxy.close()
      }
      expect((await r2.store.list({ prefix })).objects).toEqual([])
      expect(await r2.store.get(`${prefix.slice(0, -1)}-neighbour`)).not.toBeNull()
      await r2.store.delete([])
      await r2.store.delete(`${prefix}missing`)
    })

    it('reports the keys a batch delete refused', async () => {
      const proxy = await startFaultProxy((req) =>
        req.method === 'POST'
          ? {
              respond: {
                status: 200,
                headers: { 'content-type': 'application/xml' },
                body:
                  '<?xml version="1.0" encoding="UTF-8"?><DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
                  '<Error><Key>a/locked</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>' +
                  '</DeleteResult>',
              },
            }
          : undefined,
      )
      try {
        const error = await proxy.store.delete(['a/free', 'a/locked']).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(S3DeleteError)
        expect((error as S3DeleteError).failures).toEqual([{ key: 'a/locked', code: 'AccessDenied', message: 'Access Denied' }])
        expect((error as Error).message).toMatch(/"a\/locked" \(AccessDenied/)
      } finally {
        await proxy.close()
      }
    })

    it('getMany returns results in order with bounded concurrency', async () => {
      const prefix = scope('get-many')
      const keys = Array.from({ length: 40 }, (_, i) => `${prefix}${i}`)
      await putMany(r2.store, keys.filter((_, i) => i % 3 !== 0))
      const proxy = await startFaultProxy(() => undefined)
      try {
        const results = await proxy.store.getMany(keys, 4)
        expect(results.map((r) => r?.text ?? null)).toEqual(keys.map((key, i) => (i % 3 === 0 ? null : key)))
        expect(proxy.maxInFlight).toBeLessThanOrEqual(4)
        expect(proxy.seen).toHaveLength(40)
        expect(await proxy.store.getMany([])).toEqual([])
        await expect(proxy.store.getMany(keys, 0)).rejects.toThrow(RangeError)
      } finally {
        await proxy.close()
      }
    })

    it('getMany stops starting requests after a failure', async () => {
      const proxy = await startFaultProxy((req) => (new URL(req.url ?? '/', 'http://proxy').pathname.endsWith('/k3') ? { respond: { status: 400, body: '' } } : undefined))
      try {
        const keys = Array.from({ length: 50 }, (_, i) => `k${i}`)
        await expect(proxy.store.getMany(keys, 2)).rejects.toMatchObject({ status: 400 })
        expect(proxy.seen.length).toBeLessThan(10)
      } finally {
        await proxy.close()
      }
    })
  })
})

describe('metadata value encoding', () => {
  it('leaves printable ASCII alone and encodes the rest as RFC 2047 words of whole characters', () => {
    expect(encodeMetadataValue('plain value 123')).toBe('plain value 123')
    expect(encodeMetadataValue('')).toBe('')
    expect(encodeMetadataValue('é')).toBe('=?UTF-8?B?w6k=?=')
    const long = encodeMetadataValue('😀'.repeat(30))
    for (const word of long.split(' ')) expect(word.length).toBeLessThanOrEqual(75)
    expect(decodeMetadataValue(long)).toBe('😀'.repeat(30))
  })

  it('decodes what R2 sends: B and Q words, adjacent words joined, text around kept', () => {
    expect(decodeMetadataValue('=?UTF-8?Q?status_=E2=86=92_paid?=')).toBe('status → paid')
    expect(decodeMetadataValue('=?utf-8?b?w5g=?= =?utf-8?b?cnN0ZWQ=?=')).toBe('Ørsted')
    expect(decodeMetadataValue('Dear =?UTF-8?B?w5g=?=, hi')).toBe('Dear Ø, hi')
    // A character split across two words survives.
    expect(decodeMetadataValue('=?UTF-8?B?4oY=?= =?UTF-8?B?kg==?=')).toBe('→')
    expect(decodeMetadataValue('=?ISO-8859-1?Q?=D8rsted?=')).toBe('Ørsted')
    expect(decodeMetadataValue('no =? words here')).toBe('no =? words here')
  })

  it('decodes what Miniflare sends: raw UTF-8 bytes read as Latin-1', () => {
    expect(decodeMetadataValue(Buffer.from('status → paid', 'utf8').toString('latin1'))).toBe('status → paid')
    // Latin-1 that is not UTF-8 stays as it is.
    expect(decodeMetadataValue('Ø')).toBe('Ø')
  })
})
