import type { Dice } from '../../support/seeded.ts'

/** How hostile one schedule is: drawn from its seed, so some schedules are calm and some are storms. */
export interface Profile {
  /** Clients in all, one of them in the other tenant when there is one. */
  clients: number
  /** Calls each client makes (retries not counted). */
  callsPerClient: [number, number]
  /** One client belongs to another tenant (its intents share the global listing). */
  otherTenant: boolean
  /** Per storage call: fails without applying. */
  failBefore: number
  /** Per storage call: applies, then the caller gets an error. */
  applyThenFail: number
  /** Per answer: the client never hears it. */
  lostAnswer: number
  /** Relative weight, per step, of killing a live process. */
  kill: number
  /** Per answered request with clean-up still running: the isolate goes away, the clean-up never finishes. */
  dropDeferred: number
  /** Relative weight, per step, of minutes passing at once (intents become abandoned, claims expire). */
  jump: number
  /** Largest page a list returns (R2 may return fewer keys than asked; callers must follow cursors). */
  pageSize: number
  /** Share of storage calls that are slow (overtaken by most others). */
  slowCalls: number
  /** Probability that a failed or unheard write is retried with its Idempotency-Key. */
  retry: number
}

export function drawProfile(dice: Dice): Profile {
  return {
    clients: dice.int(2, 4),
    callsPerClient: [3, dice.int(4, 8)],
    otherTenant: dice.chance(0.5),
    failBefore: dice.pick([0, 0.01, 0.03, 0.06]),
    applyThenFail: dice.pick([0, 0.01, 0.03, 0.06]),
    lostAnswer: dice.pick([0, 0.03, 0.1]),
    kill: dice.pick([0, 0.04, 0.12]),
    dropDeferred: dice.pick([0, 0.1, 0.3]),
    jump: dice.pick([0, 0.02, 0.06]),
    pageSize: dice.pick([1000, 1000, 1, 2, 3]),
    retry: dice.pick([0.5, 0.9]),
    slowCalls: dice.pick([0, 0.1, 0.25]),
  }
}
