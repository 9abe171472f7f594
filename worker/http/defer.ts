import type { Context } from 'hono'
import type { AppEnv } from '../env.ts'

/**
 * Lets work finish after the answer (`ctx.waitUntil`). Without an execution context (the app called directly,
 * as some tests do) there is nothing to hand it to, and the work is awaited instead.
 */
export function deferAfterAnswer(c: Context<AppEnv>): ((work: Promise<unknown>) => void) | undefined {
  try {
    const ctx = c.executionCtx
    return (work) => ctx.waitUntil(work)
  } catch {
    return undefined
  }
}
