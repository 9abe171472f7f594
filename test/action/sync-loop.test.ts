import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect } from 'vitest'
import { runSyncLoop } from '../../action/engine/sync-loop.ts'
import type { SyncResult } from '../../action/engine/index.ts'
import { Git } from '../../action/git.ts'
import { generateHistory, writePending } from './support/entries.ts'
import { reconcilerTest } from './support/reconciler-test.ts'
import { history } from './support/repos.ts'

/** A project directory whose wrangler.jsonc names the local bucket and its S3 credentials, as the loop reads them. */
const it = reconcilerTest.extend('projectDir', async ({ r2, scratchDir }) => {
  await writeFile(
    join(scratchDir, 'wrangler.jsonc'),
    JSON.stringify({ r2_buckets: [{ binding: 'BUCKET', bucket_name: r2.bucket, local_dev: { experimental_s3_credentials: { accessKeyId: r2.accessKeyId, secretAccessKey: r2.secretAccessKey } } }] }),
  )
  return scratchDir
})

/** Runs the loop in `projectDir` on `endpoint` until `done` says so for a run's outcome, then stops it. */
async function loopUntil(projectDir: string, endpoint: string, done: (outcome: SyncResult | Error, runs: number) => boolean): Promise<{ runs: number; lines: string[] }> {
  const controller = new AbortController()
  const lines: string[] = []
  let runs = 0
  await runSyncLoop({
    projectDir,
    endpoint,
    intervalMs: 20,
    signal: controller.signal,
    logger: { info: (line) => lines.push(line), warning: (line) => lines.push(`warning: ${line}`), debug: () => {} },
    onRun: (outcome) => {
      runs++
      if (done(outcome, runs)) controller.abort()
    },
  })
  return { runs, lines }
}

it('creates .accelerando/ on first start and commits what the Worker writes, run after run', async ({ r2, projectDir }) => {
  const { runs } = await loopUntil(projectDir, r2.endpoint, (_outcome, count) => count >= 2)
  expect(runs).toBe(2)
  const origin = new Git(join(projectDir, '.accelerando', 'origin.git'))
  expect(existsSync(join(projectDir, '.accelerando', 'work', '.git'))).toBe(true)
  // The initial empty commit, so the branch exists before any entry.
  expect((await history(origin)).map((commit) => commit.message.trim())).toEqual(['Accelerando data repository'])

  const { entries } = await generateHistory(4)
  await writePending(r2.store, entries.slice(0, 2))
  // The second pair arrives while the loop runs, as the Worker's writes do.
  let synced = 0
  const { lines } = await loopUntil(projectDir, r2.endpoint, (outcome) => {
    if (outcome instanceof Error) throw outcome
    if (synced === 0 && outcome.synced > 0) void writePending(r2.store, entries.slice(2))
    synced += outcome.synced
    return synced >= 4
  })
  const commits = (await history(origin)).slice(1)
  expect(commits.map((commit) => commit.message.split('\n')[0])).toEqual(entries.map((entry) => entry.message.split('\n')[0]))
  expect(lines.filter((line) => /^[0-9a-f]{7} /.test(line))).toHaveLength(4)
  expect(lines.join('\n')).toContain(`${commits[0]!.sha.slice(0, 7)} ${entries[0]!.message.split('\n')[0]} (${entries[0]!.author.name}, ${entries[0]!.tenant})`)
})

it('keeps going when the bucket cannot be reached, and says so once', async ({ projectDir }) => {
  const controller = new AbortController()
  const warnings: string[] = []
  let failures = 0
  await runSyncLoop({
    projectDir,
    endpoint: 'http://127.0.0.1:9/cdn-cgi/local/r2/s3',
    intervalMs: 10,
    signal: controller.signal,
    logger: { info: () => {}, warning: (line) => warnings.push(line), debug: () => {} },
    onRun: (outcome) => {
      if (outcome instanceof Error && ++failures === 3) controller.abort()
    },
  })
  expect(failures).toBe(3)
  expect(warnings).toHaveLength(1)
  expect(warnings[0]).toMatch(/^sync failed, retrying every 10 ms: S3 ListObjectsV2 .* got no answer/)
})
