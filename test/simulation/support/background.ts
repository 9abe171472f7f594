import { entryOidsInMessage } from '../../../action/engine/trailers.ts'
import { GitStore, recoverAbandonedTransactions } from '../../../shared/git-store/index.ts'
import { foldLedger, ledgerAccess } from '../../../shared/ledger/ledger-summary.ts'
import { ERP_SCHEMA } from '../../../shared/schema/index.ts'
import type { ObjectStore } from '../../../shared/object-store/object-store.ts'
import type { ModelBranch } from './branch.ts'
import type { SimClock } from './clock.ts'
import type { Process, Scheduler } from './scheduler.ts'
import type { SimBucket } from './sim-store.ts'
import { syncRun } from './sync-run.ts'
import type { Trace } from './trace.ts'

/** What a background process needs from the schedule it runs in. */
export interface Background {
  scheduler: Scheduler
  clock: SimClock
  trace: Trace
  /** Runs `work` as part of `process` (the schedule tracks when it ends). */
  track(process: Process, work: Promise<unknown>): void
}

/** The Worker's recovery pass (its cron handler) as a process over `objects`. */
export function startRecoveryPass(context: Background, process: Process, objects: ObjectStore, why: string): Promise<void> {
  context.trace.add(`${process.name} recovery pass (${why})`)
  const pass = recoverAbandonedTransactions(objects, { nowMs: context.clock.ms }).then(
    (report) => context.trace.add(`${process.name} done: rolled forward [${report.rolledForward.join(' ')}], rolled back [${report.rolledBack.join(' ')}]`),
    (error: unknown) => context.trace.add(`${process.name} failed: ${(error as Error).message}`),
  )
  context.track(process, pass)
  return pass
}

/** One sync run of the Action as a process; its push to the modelled branch is a step that can fail too. */
export function startSyncRun(context: Background, process: Process, bucket: SimBucket, branch: ModelBranch, maxEntries: number | undefined): Promise<void> {
  context.trace.add(`${process.name} sync run${maxEntries === undefined ? '' : ` (at most ${maxEntries} entries)`}`)
  const run = syncRun({
    bucket,
    branch,
    now: context.clock.now,
    maxEntries,
    push: (commits) => {
      const oids = commits.flatMap((commit) => entryOidsInMessage(commit.message))
      return context.scheduler.call(process, `push ${commits.length} commit(s): ${oids.join(' ')}`, async () => branch.push(commits))
    },
    log: (line) => context.trace.add(`${process.name} ${line}`),
  }).then(
    () => context.trace.add(`${process.name} done`),
    (error: unknown) => context.trace.add(`${process.name} failed: ${(error as Error).message}`),
  )
  context.track(process, run)
  return run
}

/**
 * A fold of one tenant's ledger summary as a process over `objects`: what a read's `waitUntil` runs after it met many
 * unfolded lines.
 */
export function startLedgerFold(context: Background, process: Process, objects: ObjectStore, tenant: string, maxLines?: number): Promise<void> {
  context.trace.add(`${process.name} ledger fold of ${tenant}${maxLines === undefined ? '' : ` (at most ${maxLines} lines)`}`)
  const store = new GitStore({ objects, schema: ERP_SCHEMA, tenant, author: { name: 'Ledger fold', email: 'fold@accelerando.example' }, now: context.clock.now })
  const fold = foldLedger(ledgerAccess(store), maxLines === undefined ? {} : { maxLines }).then(
    (result) => context.trace.add(`${process.name} done: folded ${result.folded}${result.moved ? '' : ', state not moved'}`),
    (error: unknown) => context.trace.add(`${process.name} failed: ${(error as Error).message}`),
  )
  context.track(process, fold)
  return fold
}
