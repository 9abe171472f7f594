import { existsSync } from 'node:fs'
import type { Schema } from '../../shared/agi/types.ts'
import { ERP_SCHEMA } from '../../shared/schema/index.ts'
import type { Identity } from '../fast-import.ts'
import type { Git } from '../git.ts'
import type { Bucket } from './bucket.ts'
import { silentLogger, type Logger } from './logger.ts'
import { silentProgress, type Progress } from './progress.ts'

export const DEFAULT_COMMITTER: Identity = {
  name: 'accelerando-syncer',
  email: 'accelerando-syncer@users.noreply.github.com',
}

/** Bounded, jittered retries of a push that lost the race for the branch. */
export interface PushRetry {
  /** Total push attempts, the first included. */
  attempts: number
  baseMs: number
  maxMs: number
  sleep?: (ms: number) => Promise<void>
  random?: () => number
}

export const DEFAULT_PUSH_RETRY: PushRetry = { attempts: 6, baseMs: 1000, maxMs: 15_000 }

/**
 * Points where tests (and only tests) stop or disturb a run: a thrown error there is the process
 * dying at that step; a commit pushed to origin in `beforePush` is a rival landing mid-run.
 */
export interface EngineHooks {
  /** After fast-import wrote the commits into the local repository, before anything was pushed. */
  afterImport?(shas: readonly string[]): Promise<void> | void
  /** Just before each push attempt (1-based). */
  beforePush?(attempt: number): Promise<void> | void
  /** After the push landed, before any entry is marked synced. */
  afterPush?(head: string): Promise<void> | void
}

/** Everything a mode needs besides its own options. Built by the Action and the CLI alike. */
export interface EngineContext {
  objects: Bucket
  /** The data repository (a clone with `remote` configured; a checkout or bare). */
  git: Git
  /** The branch to commit to; when omitted, the branch checked out in `git`, else `main`. */
  branch?: string
  remote?: string
  committer?: Identity
  /** The data repository's URL, recorded in synced entries (`repository`). */
  repository?: string
  logger?: Logger
  /** Where long phases report how far they are (done/total). */
  progress?: Progress
  schema?: Schema
  now?: () => Date
  pushRetry?: Partial<PushRetry>
  hooks?: EngineHooks
}

/** `EngineContext` with every default filled in. */
export interface ResolvedContext {
  objects: Bucket
  git: Git
  branch: string
  remote: string
  committer: Identity
  repository: string | undefined
  logger: Logger
  progress: Progress
  schema: Schema
  now: () => Date
  pushRetry: PushRetry
  hooks: EngineHooks
}

export async function resolveContext(context: EngineContext): Promise<ResolvedContext> {
  // Said plainly here: git itself would only report that it could not start in a missing directory.
  if (!existsSync(context.git.cwd)) throw new Error(`no repository at ${context.git.cwd}: clone the data repository there first`)
  const branch = context.branch ?? (await context.git.currentBranch()) ?? 'main'
  return {
    objects: context.objects,
    git: context.git,
    branch,
    remote: context.remote ?? 'origin',
    committer: context.committer ?? DEFAULT_COMMITTER,
    repository: context.repository,
    logger: context.logger ?? silentLogger,
    progress: context.progress ?? silentProgress,
    schema: context.schema ?? ERP_SCHEMA,
    now: context.now ?? (() => new Date()),
    pushRetry: { ...DEFAULT_PUSH_RETRY, ...context.pushRetry },
    hooks: context.hooks ?? {},
  }
}
