import type { EngineContext } from './context.ts'
import type { CommitMode } from './entry-commits.ts'
import { runReplay, type ReplayResult } from './replay.ts'
import { runSync, type SyncResult } from './sync.ts'
import { runVerify, type VerifyResult } from './verify.ts'

export type Mode = 'sync' | 'replay' | 'verify'
export const MODES: readonly Mode[] = ['sync', 'replay', 'verify']

/** What a run was asked to do, however it was asked (Action inputs, command-line flags). */
export interface RunSettings {
  mode: Mode
  dryRun?: boolean
  maxEntries?: number
  commitMode?: CommitMode
  since?: Date
  until?: Date
  repair?: boolean
}

export type ModeResult = SyncResult | ReplayResult | VerifyResult

/** The numbers every mode reports the same way (the Action's outputs). */
export interface RunCounts {
  synced: number
  commits: number
  quarantined: number
  remaining: number
  drift: number
  headSha: string | null
}

export function runMode(context: EngineContext, settings: RunSettings): Promise<ModeResult> {
  const dryRun = settings.dryRun ?? false
  switch (settings.mode) {
    case 'sync':
      return runSync(context, { dryRun, maxEntries: settings.maxEntries, commitMode: settings.commitMode })
    case 'replay':
      return runReplay(context, { dryRun, since: settings.since, until: settings.until, commitMode: settings.commitMode })
    case 'verify':
      return runVerify(context, { dryRun, repair: settings.repair })
  }
}

export function countsOf(result: ModeResult): RunCounts {
  switch (result.mode) {
    case 'sync':
      return { synced: result.synced, commits: result.commits.length, quarantined: result.quarantined.length, remaining: result.remaining, drift: 0, headSha: result.headSha }
    case 'replay':
      return { synced: result.replayed, commits: result.commits.length, quarantined: 0, remaining: 0, drift: 0, headSha: result.headSha }
    case 'verify':
      return { synced: 0, commits: result.repaired === null ? 0 : 1, quarantined: 0, remaining: 0, drift: result.drift.length, headSha: result.headSha }
  }
}
