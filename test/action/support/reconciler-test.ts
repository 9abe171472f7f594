/**
 * The reconciler's test harness, as vitest fixtures: one local R2 bucket per test file (Miniflare, over
 * the S3 API; starting it costs about a second), emptied for every test that asks for it, a fresh bare
 * origin with a checkout for every test, and `engine(overrides)`, the context the engine's runs take.
 *
 * @example
 * import { reconcilerTest as it } from './support/reconciler-test.ts'
 * it('syncs', async ({ r2, repos, engine }) => { await runSync(engine()) })
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'vitest'
import type { Bucket } from '../../../action/engine/bucket.ts'
import type { EngineContext } from '../../../action/engine/index.ts'
import type { Git } from '../../../action/git.ts'
import { startMiniflareR2 } from '../../support/miniflare-r2.ts'
import { emptyBucket } from './bucket.ts'
import { makeRepos, type Repos } from './repos.ts'

/** The data repository's web URL that synced entries record. */
export const DATA_REPOSITORY = 'https://github.com/acme/books'

/** An engine context on `objects` and `git` with the tests' defaults: quick push retries, a known repository URL. */
export function engineContext(objects: Bucket, git: Git, overrides: Partial<EngineContext> = {}): EngineContext {
  return { objects, git, branch: 'main', repository: DATA_REPOSITORY, pushRetry: { attempts: 4, baseMs: 1, maxMs: 4 }, ...overrides }
}

export const reconcilerTest = test
  // Started once per file: tests of a file share the bucket, so `r2` empties it first.
  .extend('miniflare', { scope: 'file' }, async ({}, { onCleanup }) => {
    const miniflare = await startMiniflareR2()
    onCleanup(() => miniflare.dispose())
    return miniflare
  })
  .extend('r2', async ({ miniflare }) => {
    await emptyBucket(miniflare.store)
    return miniflare
  })
  /** More repositories for one test (an empty origin, say); all are removed after it. */
  .extend('newRepos', async ({}, { onCleanup }) => {
    const made: Repos[] = []
    onCleanup(async () => {
      for (const repos of made) await repos.dispose()
    })
    return async (options?: { emptyOrigin?: boolean }) => {
      const repos = await makeRepos(options)
      made.push(repos)
      return repos
    }
  })
  .extend('repos', async ({ newRepos }) => newRepos())
  .extend('engine', async ({ r2, repos }) => (overrides: Partial<EngineContext> = {}) => engineContext(r2.store, repos.work, overrides))
  /** An empty directory of the test's own, removed after it. */
  .extend('scratchDir', async ({}, { onCleanup }) => {
    const dir = await mkdtemp(join(tmpdir(), 'accelerando-scratch-'))
    onCleanup(() => rm(dir, { recursive: true, force: true }))
    return dir
  })
