import { execFileSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { gitBlobSha } from '../../shared/blob-sha.ts'

/** What the real git says, for the same bytes. */
function gitHashObject(bytes: Uint8Array): string {
  return execFileSync('git', ['hash-object', '--stdin'], { input: bytes, cwd: tmpdir(), encoding: 'utf8' }).trim()
}

const recordText = fc
  .record({
    id: fc.uuid(),
    note: fc.string({ unit: 'grapheme', maxLength: 40 }),
    lines: fc.array(fc.string({ unit: 'binary', maxLength: 20 }), { maxLength: 5 }),
  })
  .map(({ id, note, lines }) => `RECORD Invoice ${id} {\n  notes : ${JSON.stringify(note)}\n${lines.map((l) => `  x : ${l}\n`).join('')}}\n`)

const content = fc.oneof(
  fc.constant(''),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: fc.constantFrom('\n', '\r', '\0', ' ', 'a', 'é', '😀', '\u2028', '}', '"', '\\'), maxLength: 50 }),
  recordText,
)

describe('gitBlobSha', () => {
  it('knows the empty blob', async () => {
    expect(await gitBlobSha('')).toBe('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391')
    expect(await gitBlobSha(new Uint8Array())).toBe('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391')
  })

  it('agrees with git hash-object on 100 random contents', async () => {
    await fc.assert(
      fc.asyncProperty(content, async (text) => {
        const bytes = new TextEncoder().encode(text)
        const expected = gitHashObject(bytes)
        expect(await gitBlobSha(text)).toBe(expected)
        expect(await gitBlobSha(bytes)).toBe(expected)
      }),
      { numRuns: 100 },
    )
  })

  it('agrees with git on raw bytes that are not UTF-8', async () => {
    const bytes = Uint8Array.from([0xff, 0x00, 0xc3, 0x28, 0x0a, 0x80])
    expect(await gitBlobSha(bytes)).toBe(gitHashObject(bytes))
  })
})
