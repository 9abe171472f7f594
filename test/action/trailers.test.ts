import { describe, expect, it } from 'vitest'
import { batchCommit, entryCommit } from '../../action/engine/entry-commits.ts'
import { entryOidsInMessage, withTrailers } from '../../action/engine/trailers.ts'
import { stripJsonComments } from '../../action/local-bucket.ts'
import { gitPathOfRecordKey } from '../../shared/keys.ts'
import { generateHistory } from './support/entries.ts'

const A = '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001'
const B = '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c002'
const committer = { name: 'accelerando-syncer', email: 'accelerando-syncer@users.noreply.github.com' }

describe('entry trailers', () => {
  it('closes the message with a paragraph of trailers', () => {
    expect(withTrailers('create Customer x\n\n', [A], ['acme'])).toBe(`create Customer x\n\nAccelerando-Entry: ${A}\nAccelerando-Tenant: acme\n`)
    expect(withTrailers('sync', [A, B], ['acme', 'acme', 'globex'])).toBe(`sync\n\nAccelerando-Entry: ${A}\nAccelerando-Entry: ${B}\nAccelerando-Tenant: acme\nAccelerando-Tenant: globex\n`)
  })

  it('reads oids from the last paragraph only', () => {
    expect(entryOidsInMessage(withTrailers('a', [A, B], ['acme']))).toEqual([A, B])
    // Trailer-like text an agent wrote stays part of the message.
    expect(entryOidsInMessage(withTrailers(`a\n\nAccelerando-Entry: ${B}`, [A], ['acme']))).toEqual([A])
    expect(entryOidsInMessage(`Accelerando-Entry: ${A}`)).toEqual([])
    expect(entryOidsInMessage(`subject\n\nAccelerando-Entry: ${A}\r\nSigned-off-by: X <x@example.com>\r\n`)).toEqual([A])
    expect(entryOidsInMessage(`subject\n\nAccelerando-Entry: not-a-uuid`)).toEqual([])
    expect(entryOidsInMessage(`subject\n\nsome text\n---\nAccelerando-Entry: ${A}\n`)).toEqual([A])
  })
})

describe('entry commits', () => {
  it('one entry: its author and time, its message with trailers, exactly its files', async () => {
    const { entries } = await generateHistory(4)
    const entry = entries[3]!
    const commit = entryCommit(entry, committer, new Date('2026-07-01T00:00:00Z'))
    expect(commit).toEqual({
      author: entry.author,
      authorDate: entry.ts,
      committer,
      committerDate: new Date('2026-07-01T00:00:00Z'),
      message: withTrailers(entry.message, [entry.oid], [entry.tenant]),
      files: entry.files.map((file) => (file.op === 'put' ? { path: gitPathOfRecordKey(file.path), content: file.content } : { path: gitPathOfRecordKey(file.path), delete: true })),
    })
    // Each record at its sharded place: the id's last four hex digits as two directory levels.
    for (const file of commit.files) {
      const [, tenant, entity, id] = /^data\/([^/]+)\/([^/]+)\/[0-9a-f]{2}\/[0-9a-f]{2}\/([0-9a-f-]{36})\.agi$/.exec(file.path) ?? []
      expect(file.path).toBe(`data/${tenant}/${entity}/${id!.slice(32, 34)}/${id!.slice(34)}/${id}.agi`)
      expect(entry.paths).toContain(`data/${tenant}/${entity}/${id}.agi`)
    }
  })

  it('is never committed before the entry was written, even by a runner whose clock is behind', async () => {
    const { entries } = await generateHistory(2)
    const early = new Date(Date.parse(entries[1]!.ts) - 3600_000)
    expect(entryCommit(entries[1]!, committer, early).committerDate).toEqual(new Date(entries[1]!.ts))
    expect(batchCommit(entries, committer, early).committerDate).toEqual(new Date(entries[1]!.ts))
  })

  it('a batch: every entry\'s files in order, the common author or the committer', async () => {
    const { entries } = await generateHistory(3, { tenants: ['acme'] })
    const mixed = batchCommit(entries, committer, new Date())
    expect(mixed.author).toEqual(committer)
    expect(mixed.authorDate).toBe(entries[2]!.ts)
    expect(mixed.files).toHaveLength(entries.reduce((n, entry) => n + entry.files.length, 0))
    expect(mixed.message.split('\n')[0]).toBe('sync 3 entries (acme)')
    const same = batchCommit([entries[0]!], committer, new Date())
    expect(same.author).toEqual(entries[0]!.author)
    expect(() => batchCommit([], committer, new Date())).toThrow(RangeError)
  })
})

describe('stripJsonComments', () => {
  it('drops comments and trailing commas, never inside strings', () => {
    const text = `{
      // a comment with "quotes", and a comma,
      "url": "http://example.com/a//b", /* block, ] */
      "list": [1, 2, /* last */ ],
      "text": "a,}  /* not a comment */ \\" // still text",
    }`
    expect(JSON.parse(stripJsonComments(text))).toEqual({ url: 'http://example.com/a//b', list: [1, 2], text: 'a,}  /* not a comment */ " // still text' })
  })
})
