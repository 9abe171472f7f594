/**
 * The data repository's branch as the engine sees it: the remote's tip, which entries it already
 * carries, and getting new commits onto it without ever merging.
 */
import { availableParallelism } from 'node:os'
import { retry } from '../../shared/retry.ts'
import { fastImport, type FastImportCommit } from '../fast-import.ts'
import { GitError, type Git } from '../git.ts'
import type { ResolvedContext } from './context.ts'
import { entryOidsInMessage } from './trailers.ts'

/**
 * The engine imports into this ref, never into the branch itself: fast-import does not touch the
 * index or working tree, so moving a checked-out branch under them would make the checkout look
 * like it undoes every new commit. The branch follows only after the push landed.
 */
export const SCRATCH_REF = 'refs/accelerando/import'

/**
 * How far before the oldest entry of interest the trailer scan reaches. A commit carrying an entry
 * is committed after the entry was written, so its committer date is later than the entry's `ts`;
 * the margin absorbs clock differences between the Worker and the runner and git's tolerance for a
 * few out-of-order dates when it stops walking.
 */
export const TRAILER_SCAN_MARGIN_MS = 60 * 60_000

const ZERO_SHA = '0'.repeat(40)

/**
 * Git settings for the push. To list what it sends, pack-objects rebuilds every new tree, and fast-import
 * stores each commit's trees as deltas on the previous version; with git's default delta base cache
 * (96 MiB) a long run of commits rewriting directories of thousands of records keeps rebuilding the same
 * delta chains. Measured with `npm run bench` (10,000 commits on 50,000 records): pack-objects went from
 * about 20 s to 9 s of CPU with 256 MiB. The limit bounds the cache, so memory stays bounded too.
 *
 * `pack.window=0`: no delta search. The trees fast-import deltified are sent as they are stored; what is
 * left (new record versions, each directory's first new version) would be compared with the remote's
 * versions, which costs more the larger the repository's directories. Pushing 10,000 commits onto 500,000
 * records: about 1.5 to 2.5 s less CPU, the origin's side included, for a pack about 20% larger.
 */
export const PUSH_CONFIG: Readonly<Record<string, string>> = { 'core.deltaBaseCacheLimit': '256m', 'pack.window': '0' }

/**
 * fast-import processes that build the trees of one import side by side (one per tenant group, see
 * `fastImport`): each commit rewrites whole directories, which is most of an import's time. One per
 * core, at most four.
 */
export const IMPORT_PARALLELISM = Math.max(1, Math.min(availableParallelism(), 4))

/** The push lost the race for the branch; the publish loop fetches and rebuilds. */
export class PushRejectedError extends Error {
  constructor(branch: string, detail: string) {
    super(`push to ${branch} was rejected (the branch moved): ${detail.trim()}`)
    this.name = 'PushRejectedError'
  }
}

/**
 * Fetches the branch and returns its tip, or null when the remote has no such branch yet. In a
 * shallow clone, history is deepened back to `history` first (a scan that cannot see a commit
 * would commit its entry a second time): a time, `all`, or `tip` when only the tip's tree matters.
 */
export async function fetchTip(context: ResolvedContext, history: Date | 'all' | 'tip' = 'all'): Promise<string | null> {
  const { git, remote, branch } = context
  if ((await git.remoteBranchSha(remote, branch)) === null) return null
  const tracking = `refs/remotes/${remote}/${branch}`
  const refspec = `+refs/heads/${branch}:${tracking}`
  if (await git.isShallow()) {
    try {
      await git.fetch(remote, [refspec], history === 'all' ? { unshallow: true } : history === 'tip' ? { depth: 1 } : { shallowSince: history })
    } catch (error) {
      // git refuses a shallow-since that selects no commit; the whole history is the safe answer.
      if (!(error instanceof GitError)) throw error
      await git.fetch(remote, [refspec], { unshallow: true })
    }
  } else {
    await git.fetch(remote, [refspec])
  }
  return git.revParse(tracking)
}

/**
 * Entry oid → the commit on `tip`'s history that carries it, for commits committed at or after
 * `since` (all history when omitted).
 */
export async function committedEntries(git: Git, tip: string | null, since?: Date): Promise<Map<string, string>> {
  const found = new Map<string, string>()
  if (tip === null) return found
  // %x1f cannot occur in a SHA, so the first one splits SHA from message; -z separates commits.
  const records = await git.log({ rev: tip, format: '%H%x1f%B', ...(since === undefined ? {} : { since }) })
  for (const record of records) {
    const split = record.indexOf('\x1f')
    const sha = record.slice(0, split)
    // Newest first: if an oid were ever carried twice, the oldest commit is the one that counts.
    for (const oid of entryOidsInMessage(record.slice(split + 1))) found.set(oid, sha)
  }
  return found
}

export interface PublishPlan<T> {
  commits: FastImportCommit[]
  /** Whatever the caller needs back about this plan (which entries the commits carry). */
  value: T
}

export interface Published<T> {
  /** The branch tip the commits were built on (null: the branch was created). */
  base: string | null
  /** The branch tip afterwards (unchanged when there was nothing to commit). */
  head: string | null
  /** The new commits, in plan order. */
  shas: string[]
  value: T
  attempts: number
}

/**
 * Gets commits onto the branch: fetch the tip, let `plan` decide the commits on top of it (it must
 * re-check what the tip already carries), import them, push as a fast-forward. A rejected push
 * means someone else moved the branch: fetch again and rebuild the same changes on the new tip,
 * with jittered backoff and bounded attempts. Never a merge, never a force push.
 */
export async function publish<T>(
  context: ResolvedContext,
  options: { history: Date | 'all' | 'tip'; plan: (tip: string | null) => Promise<PublishPlan<T>> },
): Promise<Published<T>> {
  const { git, remote, branch, logger, hooks, pushRetry, progress } = context
  return retry(
    async (attempt) => {
      const base = await fetchTip(context, options.history)
      const { commits, value } = await options.plan(base)
      if (commits.length === 0) return { base, head: base, shas: [], value, attempts: attempt }
      const importing = progress.phase('writing commits', commits.length)
      const shas = await fastImport(git, { ref: SCRATCH_REF, parent: base, commits, force: true, parallel: IMPORT_PARALLELISM })
      importing.tick(shas.length)
      importing.end()
      await hooks.afterImport?.(shas)
      const head = shas.at(-1) as string
      await hooks.beforePush?.(attempt)
      const pushing = progress.phase(`pushing to ${remote}/${branch}`, commits.length)
      const pushed = await git.push(remote, `${head}:refs/heads/${branch}`, { config: PUSH_CONFIG })
      if (pushed.ok) pushing.tick(commits.length)
      pushing.end()
      if (!pushed.ok) {
        logger.info(`push of ${commits.length} commit(s) to ${branch} rejected (attempt ${attempt} of ${pushRetry.attempts}); fetching and rebuilding`)
        throw new PushRejectedError(branch, pushed.stderr)
      }
      logger.info(`pushed ${commits.length} commit(s) to ${remote}/${branch}: ${head.slice(0, 12)}`)
      await hooks.afterPush?.(head)
      await followBranch(context, head)
      return { base, head, shas, value, attempts: attempt }
    },
    { ...pushRetry, isRetryable: (error) => error instanceof PushRejectedError },
  )
}

/**
 * Brings the local repository up to the pushed head: the tracking ref, and the local branch when
 * that is a fast-forward (a checked-out branch is fast-forwarded with its working tree, so later
 * steps of a workflow see the new files). Best effort: the remote is the truth.
 */
async function followBranch(context: ResolvedContext, head: string): Promise<void> {
  const { git, remote, branch, logger } = context
  await git.updateRef(`refs/remotes/${remote}/${branch}`, head)
  try {
    const local = await git.tryRevParse(`refs/heads/${branch}`)
    if (local !== null && !(await git.isAncestor(local, head))) {
      logger.warning(`local branch ${branch} has commits that are not on ${remote}; it was left as it is`)
      return
    }
    const checkedOut = (await git.currentBranch()) === branch && !(await git.isBare())
    if (checkedOut) {
      // A merge that can only fast-forward moves the branch, the index and the files together,
      // and refuses rather than overwrite local changes (an unborn branch is simply checked out).
      if (!(await git.mergeFastForward(head))) logger.warning(`could not fast-forward the checkout of ${branch} to ${head.slice(0, 12)}`)
      return
    }
    await git.updateRef(`refs/heads/${branch}`, head, local ?? ZERO_SHA)
  } catch (error) {
    logger.warning(`could not update the local branch ${branch}: ${error instanceof Error ? error.message : String(error)}`)
  }
}
