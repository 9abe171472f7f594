/**
 * The development loop behind `npm start`: the production sync engine, every few seconds, from the
 * local bucket (over wrangler's S3 endpoint) into a working clone under `.accelerando/` that pushes
 * to the bare repository `.accelerando/origin.git`.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { fastImport } from '../fast-import.ts'
import { Git } from '../git.ts'
import { localBucketOptions } from '../local-bucket.ts'
import { S3ObjectStore } from '../s3-object-store.ts'
import type { Bucket } from './bucket.ts'
import { DEFAULT_COMMITTER } from './context.ts'
import { consoleLogger, type Logger } from './logger.ts'
import { runSync, type SyncResult } from './sync.ts'

export const DEFAULT_SYNC_INTERVAL_MS = 5000

export interface SyncLoopOptions {
  /** Where `wrangler.jsonc` is and `.accelerando/` goes; the current directory by default. */
  projectDir?: string
  /** The local S3 endpoint; by default `http://127.0.0.1:${PORT:-8787}/cdn-cgi/local/r2/s3`. */
  endpoint?: string
  /** Default: `ACCELERANDO_SYNC_INTERVAL` (ms), else 5000. */
  intervalMs?: number
  branch?: string
  /** Stops the loop; the run in progress finishes first. */
  signal?: AbortSignal
  logger?: Logger
  /** Instead of the local S3 endpoint (tests). */
  objects?: Bucket
  /** Called after each run, with its result or the error it failed with. */
  onRun?: (outcome: SyncResult | Error) => void
}

export interface LocalRepositories {
  origin: Git
  work: Git
}

/**
 * Creates `.accelerando/origin.git` (bare, with an initial empty commit so the branch exists) and
 * `.accelerando/work` (a clone of it) when they are missing; leaves them alone otherwise.
 */
export async function ensureLocalRepositories(dir: string, branch = 'main'): Promise<LocalRepositories> {
  const origin = new Git(join(dir, 'origin.git'))
  if (!existsSync(join(origin.cwd, 'HEAD'))) await origin.init({ bare: true, initialBranch: branch })
  if ((await origin.tryRevParse(`refs/heads/${branch}`)) === null) {
    const now = new Date()
    await fastImport(origin, {
      ref: `refs/heads/${branch}`,
      commits: [{ author: DEFAULT_COMMITTER, authorDate: now, committer: DEFAULT_COMMITTER, committerDate: now, message: 'Accelerando data repository', files: [] }],
    })
  }
  const work = new Git(join(dir, 'work'))
  if (!existsSync(join(work.cwd, '.git'))) await work.clone(origin.cwd, { branch })
  return { origin, work }
}

/**
 * Syncs every `intervalMs` until `signal` aborts. A failed run (the Worker not up yet, say) is
 * logged and retried at the next tick; it never ends the loop.
 *
 * @example
 * const controller = new AbortController()
 * const loop = runSyncLoop({ projectDir, endpoint: stack.s3Endpoint, signal: controller.signal })
 * // later: controller.abort(); await loop
 */
export async function runSyncLoop(options: SyncLoopOptions = {}): Promise<void> {
  const projectDir = options.projectDir ?? process.cwd()
  const branch = options.branch ?? 'main'
  const logger = options.logger ?? consoleLogger({ prefix: '[sync] ' })
  const intervalMs = options.intervalMs ?? intervalFromEnv(process.env.ACCELERANDO_SYNC_INTERVAL)
  const { origin, work } = await ensureLocalRepositories(join(projectDir, '.accelerando'), branch)
  const owned = options.objects === undefined ? new S3ObjectStore({ ...(await localBucketOptions({ projectDir, ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }) })), retry: { attempts: 2 } }) : undefined
  const objects = options.objects ?? (owned as S3ObjectStore)
  const repository = pathToFileURL(origin.cwd).href
  // The engine's own progress lines would repeat every few seconds; only what changed is shown.
  const quiet: Logger = { info: logger.debug, warning: logger.warning, debug: logger.debug }
  logger.info(`every ${intervalMs} ms into ${origin.cwd} (git --git-dir ${join('.accelerando', 'origin.git')} log)`)
  let lastError = ''
  try {
    while (!options.signal?.aborted) {
      try {
        const result = await runSync({ objects, git: work, branch, repository, logger: quiet })
        if (lastError !== '') logger.info('sync is running again')
        for (const commit of result.commits) logger.info(`${commit.sha.slice(0, 7)} ${commit.subject} (${commit.author}, ${commit.tenants.join(', ')})`)
        lastError = ''
        options.onRun?.(result)
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error)
        // The same failure every tick (wrangler not up yet) is reported once.
        if (message !== lastError) logger.warning(`sync failed, retrying every ${intervalMs} ms: ${message}`)
        lastError = message
        options.onRun?.(error instanceof Error ? error : new Error(message))
      }
      await pause(intervalMs, options.signal)
    }
  } finally {
    owned?.destroy()
  }
}

function intervalFromEnv(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_SYNC_INTERVAL_MS
  const ms = Number(value)
  if (!Number.isInteger(ms) || ms < 100) throw new RangeError(`ACCELERANDO_SYNC_INTERVAL must be a whole number of milliseconds (at least 100), got ${JSON.stringify(value)}`)
  return ms
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
