import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findProjectDir } from '../../action/cli/project-dir.ts'

let root: string
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'accelerando-project-dir-'))
})
afterAll(() => rm(root, { recursive: true, force: true }))

describe('findProjectDir', () => {
  it('finds the checkout from the sources (action/cli/) and from the bundle (dist/)', async () => {
    const checkout = join(root, 'checkout')
    await mkdir(join(checkout, 'action', 'cli'), { recursive: true })
    await mkdir(join(checkout, 'dist'), { recursive: true })
    await writeFile(join(checkout, 'wrangler.jsonc'), '{}')
    expect(findProjectDir(join(checkout, 'action', 'cli'), '/elsewhere')).toBe(checkout)
    expect(findProjectDir(join(checkout, 'dist'), '/elsewhere')).toBe(checkout)
  })

  it('falls back to the current directory for a bundle copied out of any checkout', async () => {
    const alone = join(root, 'alone')
    await mkdir(alone, { recursive: true })
    expect(findProjectDir(alone, '/the/data/repository')).toBe('/the/data/repository')
  })

  it('is this repository for the CLI run from its sources', () => {
    expect(findProjectDir()).toBe(resolve(import.meta.dirname, '../..'))
  })
})
