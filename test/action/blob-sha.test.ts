import { execFileSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { nodeGitBlobSha } from '../../action/blob-sha.ts'
import { gitBlobSha } from '../../shared/blob-sha.ts'

const content = fc.oneof(
  fc.constant(''),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: fc.constantFrom('\n', '\r', '\0', ' ', 'a', 'é', '😀', '\u2028', '\ud800', '}', '"'), maxLength: 50 }),
)

describe('nodeGitBlobSha', () => {
  it('knows the empty blob and a record git hashed', () => {
    expect(nodeGitBlobSha('')).toBe('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391')
    const record = 'RECORD Invoice 0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001 {\n  notes : "café 😀"\n}\n'
    const fromGit = execFileSync('git', ['hash-object', '--stdin'], { input: Buffer.from(record, 'utf8'), cwd: tmpdir(), encoding: 'utf8' }).trim()
    expect(nodeGitBlobSha(record)).toBe(fromGit)
    expect(nodeGitBlobSha(new TextEncoder().encode(record))).toBe(fromGit)
  })

  it('gives the SHA gitBlobSha gives, lone surrogates included, on 200 random contents', async () => {
    await fc.assert(
      fc.asyncProperty(content, async (text) => {
        expect(nodeGitBlobSha(text)).toBe(await gitBlobSha(text))
      }),
      { numRuns: 200 },
    )
  })
})
