import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { gitBlobSha } from '../../shared/blob-sha.ts'
import {
  type CommitEntry,
  type CommitFile,
  type SyncedEntry,
  checkEntryIntegrity,
  commitEntrySchema,
  parseCommitEntry,
  parseSyncedEntry,
  syncedEntrySchema,
} from '../../shared/commit-entry.ts'

const OID = '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c0ff'
const INVOICE = 'data/acme/Invoice/0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001.agi'
const LINE = 'data/acme/InvoiceLine/0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c002.agi'
const OLD = 'data/acme/Invoice/0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c003.agi'

async function put(path: string, content: string): Promise<CommitFile> {
  return { path, op: 'put', sha: await gitBlobSha(content), content }
}

async function validEntry(): Promise<CommitEntry> {
  const files: CommitFile[] = [
    await put(INVOICE, 'RECORD Invoice 0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001 {\n  status : "draft"\n}\n'),
    await put(LINE, 'RECORD InvoiceLine 0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c002 {\n  note : "ünï 😀"\n}\n'),
    { path: OLD, op: 'delete' },
  ]
  return {
    v: 1,
    oid: OID,
    tenant: 'acme',
    message: 'create Invoice with 1 line',
    author: { name: 'Invoice Bot', email: 'bot@acme.example' },
    actor: 'agent-7',
    ts: '2026-06-25T16:54:37.616Z',
    paths: files.map((f) => f.path),
    files,
  }
}

async function reasonFor(mutate: (entry: Record<string, unknown> & CommitEntry) => void): Promise<string> {
  const entry = (await validEntry()) as Record<string, unknown> & CommitEntry
  mutate(entry)
  const result = await parseCommitEntry(JSON.stringify(entry))
  if (result.ok) throw new Error('expected the entry to be refused')
  return result.reason
}

describe('commit entry', () => {
  it('accepts a valid entry, with or without actor', async () => {
    const entry = await validEntry()
    expect(await parseCommitEntry(JSON.stringify(entry))).toEqual({ ok: true, entry })
    const { actor: _actor, ...withoutActor } = entry
    expect(await parseCommitEntry(JSON.stringify(withoutActor))).toEqual({ ok: true, entry: withoutActor })
    expect(await checkEntryIntegrity(entry)).toEqual([])
  })

  it('refuses text that is not JSON, or not an object, without throwing', async () => {
    for (const text of ['', '{', 'null', '[]', '"entry"', '42', '{"v":1}']) {
      const result = await parseCommitEntry(text)
      expect(result.ok).toBe(false)
    }
    expect(await parseCommitEntry('{')).toMatchObject({ ok: false, reason: expect.stringMatching(/^not JSON/) })
  })

  it.each<[string, (entry: Record<string, unknown> & CommitEntry) => void, RegExp]>([
    ['another version', (e) => void (e.v = 2 as 1), /unsupported entry version/],
    ['an unknown field', (e) => void (e.extra = true), /extra/],
    ['an upper-case oid', (e) => void (e.oid = OID.toUpperCase()), /oid/],
    ['a bad tenant', (e) => void (e.tenant = 'Acme'), /tenant/],
    ['an empty message', (e) => void (e.message = ''), /message/],
    ['a message over 4000 characters', (e) => void (e.message = 'x'.repeat(4001)), /message/],
    ['a NUL in the message', (e) => void (e.message = 'a\0b'), /NUL/],
    ['a lone surrogate in the message', (e) => void (e.message = 'a\uD800'), /unicode/],
    ['an author name with <', (e) => void (e.author.name = 'Bot <x>'), /author\.name/],
    ['an author name with a newline', (e) => void (e.author.name = 'Bot\nEvil'), /author\.name/],
    ['an author name with surrounding spaces', (e) => void (e.author.name = ' Bot'), /author\.name/],
    ['an author email with a space', (e) => void (e.author.email = 'bot @acme'), /author\.email/],
    ['a missing author email', (e) => void delete (e.author as Partial<CommitEntry['author']>).email, /author\.email/],
    ['an empty actor', (e) => void (e.actor = ''), /actor/],
    ['a timestamp without milliseconds', (e) => void (e.ts = '2026-06-25T16:54:37Z'), /ts/],
    ['a timestamp with an offset', (e) => void (e.ts = '2026-06-25T16:54:37.616+02:00'), /ts/],
    ['an impossible date', (e) => void (e.ts = '2026-02-30T16:54:37.616Z'), /ts/],
    ['no files', (e) => { e.files = []; e.paths = [] }, /at least one file/],
    ['a malformed sha', (e) => void ((e.files[0] as { sha: string }).sha = 'ABC'), /files\.0\.sha/],
    ['an unknown op', (e) => void ((e.files[0] as { op: string }).op = 'rename'), /files\.0/],
    ['content on a delete', (e) => void ((e.files[2] as Record<string, unknown>).content = 'x'), /files\.2/],
    ['content that does not hash to its sha', (e) => void ((e.files[0] as { content: string }).content += ' '), /files\.0\.sha: content of .* hashes to [0-9a-f]{40}, not [0-9a-f]{40}/],
    ['paths in another order', (e) => void e.paths.reverse(), /paths must list the files' paths/],
    ['a path missing from paths', (e) => void e.paths.pop(), /paths/],
    ['an extra path', (e) => void e.paths.push('data/acme/Invoice/0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c009.agi'), /paths/],
    ['a duplicated file', (e) => { e.files.push(e.files[2]!); e.paths.push(e.files[2]!.path) }, /appears twice/],
    ['a path of another tenant', (e) => { e.files[2]!.path = OLD.replace('/acme/', '/evil/'); e.paths[2] = e.files[2]!.path }, /tenant "evil"/],
    ['a path outside data/', (e) => { e.files[2]!.path = `commits/acme/x.json`; e.paths[2] = e.files[2]!.path }, /not a record key/],
    ['a path that climbs', (e) => { e.files[2]!.path = 'data/acme/../evil/Invoice/x.agi'; e.paths[2] = e.files[2]!.path }, /not a record key/],
  ])('refuses %s', async (_label, mutate, reason) => {
    expect(await reasonFor(mutate)).toMatch(reason)
  })

  it('accepts a message of exactly 4000 characters and an empty file content', async () => {
    const entry = await validEntry()
    entry.message = 'x'.repeat(4000)
    entry.files[0] = await put(INVOICE, '')
    expect((await parseCommitEntry(JSON.stringify(entry))).ok).toBe(true)
  })

  it('hashes contents with the function the caller passes, and still reports a mismatch', async () => {
    const entry = await validEntry()
    const seen: string[] = []
    const recording = async (content: string) => {
      seen.push(content)
      return gitBlobSha(content)
    }
    expect((await parseCommitEntry(JSON.stringify(entry), recording)).ok).toBe(true)
    expect(seen).toEqual(entry.files.flatMap((file) => (file.op === 'put' ? [file.content] : [])))
    const wrong = await parseCommitEntry(JSON.stringify(entry), () => '0'.repeat(40))
    expect(wrong.ok ? '' : wrong.reason).toMatch(/files\.0\.sha: content of .* hashes to 0{40}, not [0-9a-f]{40}/)
    expect(await checkEntryIntegrity(entry, () => '0'.repeat(40))).toEqual(expect.arrayContaining([expect.stringMatching(/^files\.0\.sha: /)]))
  })

  it('checkEntryIntegrity reports every problem of a constructed entry', async () => {
    const entry = await validEntry()
    const first = entry.files[0]!
    entry.files[0] = { ...first, content: 'tampered' } as CommitFile
    entry.paths = [...entry.paths].reverse()
    entry.tenant = 'other'
    const problems = await checkEntryIntegrity(entry)
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^files\.0\.sha: content of .* hashes to/),
        expect.stringMatching(/^paths:/),
        expect.stringMatching(/^files\.0\.path: belongs to tenant "acme", not the entry's tenant "other"/),
      ]),
    )
  })

  it('never throws, whatever the text (property)', async () => {
    const entry = await validEntry()
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.json(),
      fc.jsonValue().map((value) => JSON.stringify({ ...entry, [Object.keys(entry)[0]!]: value })),
    )
    await fc.assert(
      fc.asyncProperty(text, async (candidate) => {
        const result = await parseCommitEntry(candidate)
        expect(typeof result.ok).toBe('boolean')
        if (!result.ok) expect(result.reason.length).toBeGreaterThan(0)
      }),
      { numRuns: 300 },
    )
  })

  it('round-trips generated valid entries (property)', async () => {
    const tenant = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,62}$/)
    const file = fc.record({ entity: fc.constantFrom('Invoice', 'Customer'), id: fc.uuid(), content: fc.option(fc.string({ unit: 'binary', maxLength: 60 })) })
    await fc.assert(
      fc.asyncProperty(tenant, fc.uniqueArray(file, { minLength: 1, maxLength: 5, selector: (f) => f.id }), fc.string({ minLength: 1, maxLength: 50 }), async (t, specs, message) => {
        fc.pre(!message.includes('\0'))
        const files: CommitFile[] = await Promise.all(
          specs.map(async ({ entity, id, content }) => {
            const path = `data/${t}/${entity}/${id}.agi`
            return content === null ? { path, op: 'delete' as const } : put(path, content.replace(/[\uD800-\uDFFF]/g, '?'))
          }),
        )
        const entry: CommitEntry = { v: 1, oid: OID, tenant: t, message, author: { name: 'A', email: 'a@b' }, ts: '2026-01-01T00:00:00.000Z', paths: files.map((f) => f.path), files }
        expect(await parseCommitEntry(JSON.stringify(entry))).toEqual({ ok: true, entry })
      }),
      { numRuns: 100 },
    )
  })

  it('exposes schemas usable with safeParse', async () => {
    const entry = await validEntry()
    expect(commitEntrySchema.safeParse(entry).success).toBe(true)
    expect(commitEntrySchema.safeParse({ ...entry, paths: [] }).success).toBe(false)
  })
})

describe('synced entry', () => {
  async function validSynced(): Promise<SyncedEntry> {
    return {
      ...(await validEntry()),
      commit_sha: '3b18e512dba79e4c8300dd08aeb37f8e728b8dad',
      synced_at: '2026-06-25T17:00:00.000Z',
      repository: 'https://github.com/acme/erp-data',
    }
  }

  it('accepts the pending entry plus commit_sha, synced_at and an optional repository', async () => {
    const synced = await validSynced()
    expect(await parseSyncedEntry(JSON.stringify(synced))).toEqual({ ok: true, entry: synced })
    const { repository: _repository, ...withoutRepository } = synced
    expect((await parseSyncedEntry(JSON.stringify(withoutRepository))).ok).toBe(true)
    expect(syncedEntrySchema.safeParse({ ...synced, repository: 'file:///tmp/origin.git' }).success).toBe(true)
  })

  it('refuses a missing or malformed commit_sha, synced_at or repository', async () => {
    const synced = await validSynced()
    const { commit_sha: _sha, ...noSha } = synced
    for (const candidate of [noSha, { ...synced, commit_sha: 'abc' }, { ...synced, synced_at: 'now' }, { ...synced, repository: 'not a url' }]) {
      expect((await parseSyncedEntry(JSON.stringify(candidate))).ok).toBe(false)
    }
  })

  it('still checks content hashes', async () => {
    const synced = await validSynced()
    ;(synced.files[0] as { content: string }).content = 'tampered'
    expect(await parseSyncedEntry(JSON.stringify(synced))).toMatchObject({ ok: false, reason: expect.stringMatching(/hashes to/) })
  })

  it('is not a pending entry, and a pending entry is not a synced one', async () => {
    const synced = await validSynced()
    expect((await parseCommitEntry(JSON.stringify(synced))).ok).toBe(false)
    expect((await parseSyncedEntry(JSON.stringify(await validEntry()))).ok).toBe(false)
  })
})
