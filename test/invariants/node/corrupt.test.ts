/**
 * Invariant 5 end to end: corrupt objects planted in the bucket of the running Worker (built, in Miniflare, the
 * bucket also served over S3).
 * - Corrupt records under data/ (truncated, a git conflict marker inside, empty, another record's body): every read
 *   path answers a clear `corrupt_record` error naming the key — never a 200 that shows nothing or skips the
 *   record — writes that would build on them are refused and write nothing, and `verify` reports each one.
 * - Corrupt pending entries (invalid JSON, a wrong SHA, truncated or conflicted `.agi` content, an empty file, a key
 *   that disagrees with its body, a path in another tenant): `sync` quarantines each with its reason and exact
 *   bytes, commits the good entries around them, and commits nothing of the bad ones.
 * - A streamed body over the limit, over a real socket, is refused with 413 while it streams.
 */
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { quarantineReason, runSync, runVerify } from '../../../action/engine/index.ts'
import { gitBlobSha } from '../../../shared/blob-sha.ts'
import type { CommitEntry } from '../../../shared/commit-entry.ts'
import { entrySummaryMetadata } from '../../../shared/entry-metadata.ts'
import { newId, pendingEntryKey, quarantineKey } from '../../../shared/keys.ts'
import { makeRepos, type Repos } from '../../action/support/repos.ts'
import { auditCommits, treeFiles } from '../../support/git-audit.ts'
import { startStack, type Stack } from '../support/stack.ts'
import type { TokenIdentity } from '../../../shared/auth/token-claims.ts'

const WRITER: TokenIdentity = { sub: 'ada', name: 'Ada Lovelace', email: 'ada@acme.example', tenant: 'acme', scope: 'write' }

let stack: Stack
let repos: Repos
let token: string

beforeAll(async () => {
  stack = await startStack()
  repos = await makeRepos()
  token = await stack.token(WRITER)
}, 120_000)
afterAll(async () => {
  await repos?.dispose()
  await stack?.dispose()
})

async function call(tool: string, args: unknown): Promise<{ status: number; body: any }> {
  const response = await stack.fetch(`/tools/${tool}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(args) })
  return { status: response.status, body: await response.json() }
}

async function ok(tool: string, args: unknown): Promise<any> {
  const { status, body } = await call(tool, args)
  if (status !== 200) throw new Error(`${tool}: ${status} ${JSON.stringify(body)}`)
  return body
}

async function keys(prefix: string): Promise<Map<string, string>> {
  const found = new Map<string, string>()
  for await (const listed of stack.s3.listAll(prefix)) found.set(listed.key, listed.version)
  return found
}

async function settled(): Promise<void> {
  for (let i = 0; i < 100 && (await stack.s3.list({ prefix: 'intents/', limit: 1 })).objects.length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50))
}

describe('corrupt objects in the bucket', () => {
  it('corrupt records: every read is a clear error naming the key, nothing is read as empty, and verify reports them', async () => {
    const customer = (await ok('create_customer', { name: 'Sound Ltd', email: 'ok@example.com' })).customer
    await ok('create_account', { code: '1000', name: 'Cash', type: 'asset' })
    await ok('create_account', { code: '4000', name: 'Sales', type: 'income' })
    const posted = await ok('create_journal_entry', { date: '2026-06-30', memo: 'Sale', lines: [{ account_code: '1000', debit: 10 }, { account_code: '4000', credit: 10 }] })
    await settled()
    const path = (entity: string, id: string) => `data/acme/${entity}/${id}.agi`
    const sound = (await stack.s3.get(path('Customer', customer.id)))!.text
    /** A sound customer record, as if it had been written under `id`. */
    const soundAs = (id: string) => sound.replace(customer.id, id)
    const ids = [newId(), newId(), newId(), newId()] as const

    const victims: { label: string; entity: string; id: string; text: string }[] = [
      { label: 'truncated', entity: 'Customer', id: ids[0], text: soundAs(ids[0]).slice(0, Math.floor(sound.length / 2)) },
      {
        label: 'git conflict marker',
        entity: 'Customer',
        id: ids[1],
        text: soundAs(ids[1]).replace(/  name +: .*\n/, '<<<<<<< HEAD\n  name  : "Ours"\n=======\n  name  : "Theirs"\n>>>>>>> origin/main\n'),
      },
      { label: 'empty file', entity: 'Customer', id: ids[2], text: '' },
      { label: "another record's body", entity: 'Customer', id: ids[3], text: sound },
      { label: 'a corrupt journal line', entity: 'JournalLine', id: posted.lines[0].id, text: 'RECORD JournalLine x {' },
    ]
    const plantedKeys = victims.map((victim) => path(victim.entity, victim.id))
    for (const victim of victims) await stack.s3.put(path(victim.entity, victim.id), victim.text)
    const before = await keys('')

    const outcomes: string[] = []
    for (const victim of victims) {
      const key = path(victim.entity, victim.id)
      const reads = [
        victim.entity === 'Customer' ? await call('read_customer', { id: victim.id }) : await call('read_journal_line', { id: victim.id }),
        victim.entity === 'Customer' ? await call('list_customers', {}) : await call('list_journal_lines', {}),
      ]
      const raw = await stack.fetch(`/${key}`, { headers: { Authorization: `Bearer ${token}` } })
      reads.push({ status: raw.status, body: await raw.json().catch(() => null) })
      if (victim.entity === 'Customer') {
        reads.push(await call('edit_customer', { id: victim.id, patch: { notes: 'built on sand' } }))
        reads.push(await call('create_invoice_with_lines', { customer_id: victim.id, lines: [{ description: 'x', unit_price: 1 }] }))
        reads.push(await call('delete_customer', { id: victim.id }))
      } else {
        reads.push(await call('trial_balance', { as_of: '2026-12-31' }))
        reads.push(await call('reverse_journal_entry', { journal_entry_id: posted.journal_entry.id, date: '2026-07-01' }))
      }
      for (const [index, read] of reads.entries()) {
        const where = `${victim.label}, read ${index}: ${JSON.stringify(read.body)}`
        expect(read.status, where).toBe(500)
        expect(read.body?.error?.code, where).toBe('corrupt_record')
        // A list or a trial balance stops at the first corrupt record it meets, which may be another planted one.
        if (index === 1 || (victim.entity === 'JournalLine' && index >= 3)) expect(plantedKeys, where).toContain(read.body?.error?.details?.key)
        else expect(read.body?.error?.details?.key, where).toBe(key)
        outcomes.push(`${victim.label}: ${read.status}`)
      }
    }
    await settled()
    expect(await keys(''), 'refused writes wrote nothing').toEqual(before)

    // verify finds every one of them (the sync engine never reads data/, only entries).
    await runSync({ objects: stack.s3, git: repos.work, branch: 'main' })
    const verified = await runVerify({ objects: stack.s3, git: repos.work, branch: 'main' })
    for (const victim of victims) {
      const key = path(victim.entity, victim.id)
      expect(verified.integrity.some((problem) => problem.rule === 'parse' && problem.path === key), `verify reports ${victim.label}`).toBe(true)
      expect(verified.drift.some((drift) => drift.path === key), `verify reports ${victim.label} as drift`).toBe(true)
    }
    expect(stack.logs.some((line) => line.level === 'error' && line.message.includes('corrupt')), 'corrupt reads are logged for an operator').toBe(true)
    console.log(`[invariants] corrupt records: ${victims.length} planted, ${outcomes.length} reads and writes refused with corrupt_record, ${verified.integrity.length} integrity problems reported by verify`)
  }, 120_000)

  it('corrupt pending entries are quarantined with their reason and bytes; the good ones sync around them', async () => {
    // Whatever earlier tests left pending goes first, so this run's commits are exactly the good entries below.
    await runSync({ objects: stack.s3, git: repos.work, branch: 'main' })
    const good: string[] = []
    for (let i = 0; i < 3; i++) good.push((await ok('create_vendor', { name: `Good Vendor ${i}` })).commit.oid)
    await settled()
    const at = new Date()
    const id = newId(at)
    const recordPath = `data/acme/Customer/${id}.agi`
    const content = `RECORD Customer ${id} {\n  tenant_id  : "acme"\n  name       : "Planted"\n  created_at : "${at.toISOString()}"\n  updated_at : "${at.toISOString()}"\n}\n`
    const entryOf = async (oid: string, files: CommitEntry['files']): Promise<CommitEntry> => ({
      v: 1,
      oid,
      tenant: 'acme',
      message: 'planted',
      author: { name: 'Mallory', email: 'mallory@example.com' },
      ts: at.toISOString(),
      paths: files.map((file) => file.path),
      files,
    })
    const put = async (text: string) => ({ path: recordPath, op: 'put' as const, sha: await gitBlobSha(text), content: text })
    const planted: { label: string; key: string; text: string; reason: RegExp }[] = []
    const plant = async (label: string, reason: RegExp, build: (oid: string) => Promise<string>, keyOid?: string) => {
      const oid = newId(at)
      const key = pendingEntryKey('acme', at, keyOid ?? oid)
      const text = await build(oid)
      await stack.s3.put(key, text, { metadata: entrySummaryMetadata(await entryOf(keyOid ?? oid, [await put(content)])) })
      planted.push({ label, key, text, reason })
    }
    await plant('invalid JSON', /JSON/i, async (oid) => JSON.stringify(await entryOf(oid, [await put(content)])).slice(0, -20))
    await plant('wrong SHA', /sha|hash/i, async (oid) => JSON.stringify(await entryOf(oid, [{ ...(await put(content)), content: content.replace('Planted', 'Edited after hashing') }])))
    await plant('truncated .agi', /agi|parse|expected/i, async (oid) => JSON.stringify(await entryOf(oid, [await put(content.slice(0, 60))])))
    await plant('git conflict marker in the .agi', /agi|parse|expected|unexpected/i, async (oid) =>
      JSON.stringify(await entryOf(oid, [await put(content.replace('  name       : "Planted"\n', '<<<<<<< HEAD\n  name : "A"\n=======\n  name : "B"\n>>>>>>> theirs\n'))])),
    )
    await plant('empty file', /JSON|empty|expected/i, async () => '')
    await plant('key disagrees with the body', /oid|match/i, async (oid) => JSON.stringify(await entryOf(oid, [await put(content)])), newId(at))
    await plant('a path in another tenant', /tenant|path/i, async (oid) =>
      JSON.stringify(await entryOf(oid, [{ ...(await put(content)), path: `data/globex/Customer/${id}.agi` }])),
    )
    await plant('an empty entry (no files)', /file|least/i, async (oid) => JSON.stringify({ ...(await entryOf(oid, [await put(content)])), paths: [], files: [] }))

    const result = await runSync({ objects: stack.s3, git: repos.work, branch: 'main' })
    expect(result.quarantined.map((item) => item.key).sort()).toEqual(planted.map((item) => item.key).sort())
    for (const item of planted) {
      const reported = result.quarantined.find((candidate) => candidate.key === item.key)!
      expect(reported.reason, `${item.label}: ${reported.reason}`).toMatch(item.reason)
      const copy = await stack.s3.get(quarantineKey(item.key))
      expect(copy?.text, `${item.label}: kept byte for byte`).toBe(item.text)
      expect(quarantineReason(copy?.metadata ?? {}), item.label).toBe(reported.reason.length > 2000 ? expect.any(String) : reported.reason)
      expect(await stack.s3.get(item.key), `${item.label}: no longer pending`).toBeNull()
    }
    const commits = await auditCommits(repos.origin)
    const oids = commits.flatMap((commit) => commit.entries)
    for (const oid of good) expect(oids.filter((candidate) => candidate === oid), `good entry ${oid}`).toHaveLength(1)
    expect(commits.some((commit) => commit.authorName === 'Mallory'), 'nothing of a corrupt entry is committed').toBe(false)
    expect((await treeFiles(repos.origin, 'refs/heads/main')).has(recordPath)).toBe(false)
    expect(result.commits.length).toBe(good.length)
    console.log(`[invariants] corrupt entries: ${JSON.stringify({ planted: planted.length, quarantined: result.quarantined.length, committedAround: result.commits.length, reasons: result.quarantined.map((item) => item.reason.slice(0, 60)) })}`)
  }, 120_000)

  it('an endless request body over a real socket is refused with 413 while it streams', async () => {
    // A server that answers early closes the connection under the upload; a client still writing may then see
    // the reset before it reads the answer (EPIPE). That is the transport, not the Worker: such a try is repeated.
    let answer: { status: number; body: string; sent: number } | undefined
    let resets = 0
    const started = Date.now()
    while (answer === undefined) {
      try {
        answer = await streamUntilAnswered(`${stack.origin}/tools/create_customer`, { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' })
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if ((code !== 'EPIPE' && code !== 'ECONNRESET') || ++resets > 5) throw error
      }
    }
    const { status, body, sent } = answer
    const elapsed = Date.now() - started
    expect(status).toBe(413)
    expect(JSON.parse(body).error.code).toBe('too_large')
    expect(sent, 'bytes sent before the refusal').toBeLessThan(32 * 1024 * 1024)
    console.log(`[invariants] streamed body: 413 after ${elapsed} ms and ${Math.round(sent / 1024)} KiB sent`)
  }, 60_000)
})

/**
 * POSTs an endless chunked body (64 KiB at a time) until the server answers, then stops. Plain node:http, which
 * hands over an early answer while the upload is still going (a server that refuses may close the socket under it).
 */
function streamUntilAnswered(url: string, headers: Record<string, string>): Promise<{ status: number; body: string; sent: number }> {
  const chunk = Buffer.alloc(64 * 1024, 0x61)
  return new Promise((resolve, reject) => {
    let sent = 0
    let answered = false
    const request = httpRequest(url, { method: 'POST', headers: { ...headers, 'Transfer-Encoding': 'chunked' } }, (response) => {
      answered = true
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (part: string) => (body += part))
      response.on('end', () => {
        request.destroy()
        resolve({ status: response.statusCode ?? 0, body, sent })
      })
    })
    request.on('error', (error) => {
      if (!answered) reject(error)
    })
    const pump = () => {
      // Bounded, so a server that buffered everything would still end the test (and fail its size check).
      if (answered) return
      if (sent >= 256 * 1024 * 1024) return void request.end()
      sent += chunk.length
      // One chunk per turn of the event loop, so an answer is read as soon as it arrives.
      if (request.write(chunk)) setImmediate(pump)
      else request.once('drain', pump)
    }
    pump()
  })
}
