/**
 * A cooperative, deterministic scheduler. Every storage call (and every sleep, and every git push of the
 * modelled Action) becomes a pending call; nothing runs until the schedule settles one. The schedule waits
 * until every runnable microtask has run (`drain`), then picks one pending call with its dice and settles it:
 * calls overtake each other, and every process's next step depends only on the seed.
 */

/** A storage call that failed (before or after it applied): what the product sees as a network error. */
export class StoreFault extends Error {
  constructor(label: string, applied: boolean) {
    super(`simulated storage fault (${applied ? 'applied, then the answer was lost' : 'not applied'}): ${label}`)
    this.name = 'StoreFault'
  }
}

export type Fault = 'none' | 'fail-before' | 'apply-then-fail'

export type ProcessKind = 'request' | 'recovery' | 'sync'

/** One running program: a Worker request (with its deferred clean-up), a recovery pass or a sync run. */
export interface Process {
  readonly id: number
  readonly name: string
  readonly kind: ProcessKind
  readonly startedMs: number
  dead: boolean
  /** Work still running: the main promise and each deferred one. The process is done at zero. */
  open: number
}

export interface PendingCall {
  readonly seq: number
  readonly process: Process
  readonly label: string
  /** Sleeps cannot fail; storage calls and pushes can. */
  readonly faultable: boolean
  readonly apply: () => Promise<unknown>
  /** How likely the schedule is to pick this call next, relative to the others (a slow call is overtaken). */
  speed?: number
  readonly resolve: (value: unknown) => void
  readonly reject: (error: unknown) => void
}

const NEVER = new Promise<never>(() => {})

export class Scheduler {
  readonly pending: PendingCall[] = []
  readonly processes: Process[] = []
  /** The current action's number; an action settles at most one call. */
  step = 0
  #seq = 0

  spawn(kind: ProcessKind, name: string, startedMs: number): Process {
    const process: Process = { id: this.processes.length + 1, name, kind, startedMs, dead: false, open: 0 }
    this.processes.push(process)
    return process
  }

  /** Work whose start and end the schedule tracks (`open`). */
  track<T>(process: Process, work: Promise<T>): Promise<T> {
    process.open += 1
    return work.finally(() => {
      process.open -= 1
    })
  }

  live(): Process[] {
    return this.processes.filter((process) => !process.dead && process.open > 0)
  }

  /** A call that waits for the schedule. A dead process's calls never return: it does nothing more. */
  call<T>(process: Process, label: string, apply: () => Promise<T>, faultable = true): Promise<T> {
    if (process.dead) return NEVER
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ seq: ++this.#seq, process, label, faultable, apply, resolve: resolve as (value: unknown) => void, reject })
    })
  }

  /** Runs one pending call to its end, with `fault`; says what happened, for the trace. */
  async settle(call: PendingCall, fault: Fault): Promise<string> {
    this.pending.splice(this.pending.indexOf(call), 1)
    if (fault === 'fail-before') {
      call.reject(new StoreFault(call.label, false))
      return 'FAILED (not applied)'
    }
    let result: unknown
    try {
      result = await call.apply()
    } catch (error) {
      call.reject(error)
      return `threw ${(error as Error).message}`
    }
    if (fault === 'apply-then-fail') {
      call.reject(new StoreFault(call.label, true))
      return 'APPLIED, THEN FAILED'
    }
    call.resolve(result)
    return result === null ? 'null' : 'ok'
  }

  /** The process dies where it stands: its pending calls never run, its deferred work never finishes. */
  kill(process: Process): void {
    process.dead = true
    for (let index = this.pending.length - 1; index >= 0; index--) {
      if (this.pending[index]?.process === process) this.pending.splice(index, 1)
    }
  }

  /** Resolves once every microtask queued so far, and every one those queue, has run. */
  drain(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve))
  }
}
