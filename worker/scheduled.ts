import { recoverAbandonedTransactions } from '../shared/git-store/index.ts'
import type { ObjectStoreFactory } from './env.ts'

/**
 * The cron trigger's handler: the recovery pass. It finishes (entry written) or undoes (no entry) every
 * transaction whose writer died, once it is old enough that no writer can still be at work on it.
 */
export function createScheduledHandler(objects: ObjectStoreFactory): ExportedHandlerScheduledHandler<Env> {
  return async (controller, env) => {
    const report = await recoverAbandonedTransactions(objects(env))
    const line = JSON.stringify({ event: 'recovery', cron: controller.cron, ...report })
    if (report.corrupt.length > 0) console.error(line)
    else console.log(line)
  }
}
