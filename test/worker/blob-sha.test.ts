import { describe, expect, it } from 'vitest'
import { gitBlobSha } from '../../shared/blob-sha.ts'

// Values printed by `git hash-object --stdin` for the same bytes.
describe('gitBlobSha inside workerd', () => {
  it.each([
    ['', 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'],
    ['hello world\n', '3b18e512dba79e4c8300dd08aeb37f8e728b8dad'],
    ['héllo 😀\r\n\0x', 'd373f442926b584d24aec747166913c09c44cff8'],
    ['RECORD Invoice 0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001 {\n  status : "draft"\n}\n', '041bb08718cb732d0a0bb6068104264f45ce8c53'],
  ])('hashes %j like git', async (text, sha) => {
    expect(await gitBlobSha(text)).toBe(sha)
    expect(await gitBlobSha(new TextEncoder().encode(text))).toBe(sha)
  })
})
