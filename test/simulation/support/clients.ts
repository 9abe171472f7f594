import { invokeTool } from '../../../worker/tools/invoke-tool.ts'
import type { Caller } from '../../../worker/auth/caller.ts'
import type { Dice } from '../../support/seeded.ts'
import type { Background } from './background.ts'
import type { CallRecord, History } from './history.ts'
import type { Profile } from './profile.ts'
import type { Process } from './scheduler.ts'
import type { SimStore } from './sim-store.ts'
import { answerOfError, SIM_TOOLS, type Answer } from './tools.ts'
import { nextCall, writes, type PlannedCall } from './workload.ts'
import type { World } from './world.ts'

/** What a client needs from the schedule it runs in. */
export interface ClientContext extends Background {
  dice: Dice
  profile: Profile
  history: History
  /** The schedule's id source (seeded UUIDv7). */
  ids: () => string
  faultsOn(): boolean
  store(process: Process): SimStore
  kill(process: Process, why: string): void
  countFault(): void
}

/**
 * One agent: it makes its calls one at a time through the real tool pipeline (`invokeTool`), each call a Worker
 * request process, and retries a write whose outcome it does not know with the same Idempotency-Key.
 */
export class Client {
  readonly name: string
  readonly caller: Caller
  readonly world: World
  /** New calls left to make. */
  remaining: number
  busy: { record: CallRecord; planned: PlannedCall; process: Process } | null = null
  /** The write to send again, when the last answer was unknown. */
  #retry: PlannedCall | null = null
  #retries = 0
  #made = 0

  constructor(name: string, caller: Caller, world: World, calls: number) {
    this.name = name
    this.caller = caller
    this.world = world
    this.remaining = calls
  }

  /** Free, and with a call to make (a new one or a retry). */
  get ready(): boolean {
    return this.busy === null && (this.remaining > 0 || this.#retry !== null)
  }

  /** Makes the next call: the pending retry, or a new random one (a write carries a key 60% of the time). */
  callNext(context: ClientContext): void {
    let planned = this.#retry
    if (planned === null) {
      this.remaining -= 1
      this.#made += 1
      planned = nextCall(this.world, context.dice)
      if (writes(planned.tool) && context.dice.chance(0.6)) planned = { ...planned, idempotencyKey: `${this.name}-${this.#made}` }
    }
    this.#start(context, planned)
  }

  /** Its request process died before answering: the call's outcome is unknown to everyone but the bucket. */
  died(context: ClientContext): void {
    const { record, planned } = this.busy as NonNullable<Client['busy']>
    Object.assign(record, { endStep: context.scheduler.step, outcome: 'unknown', died: true })
    this.#settled(context, planned, true)
  }

  #start(context: ClientContext, planned: PlannedCall): void {
    const tool = SIM_TOOLS[planned.tool]
    const { history, scheduler, clock } = context
    const record = history.newCall({
      client: this.name,
      caller: this.caller,
      tool: tool.name,
      access: tool.access,
      args: planned.args,
      idempotencyKey: planned.idempotencyKey,
      readEntity: planned.readEntity,
      startStep: scheduler.step,
    })
    const process = scheduler.spawn('request', `#${record.n}`, clock.ms)
    this.busy = { record, planned, process }
    context.trace.add(`#${record.n} ${this.name} ${tool.name} ${JSON.stringify(planned.args)}${planned.idempotencyKey === undefined ? '' : ` key=${planned.idempotencyKey}`}`)
    let deferred = false
    const work = invokeTool({
      tool,
      args: JSON.parse(JSON.stringify(planned.args)),
      caller: this.caller,
      objects: context.store(process),
      defer: (cleanUp) => {
        deferred = true
        context.track(process, cleanUp)
      },
      idempotencyKey: planned.idempotencyKey,
      now: clock.now,
      newId: () => {
        const id = context.ids()
        history.minted(record, id)
        return id
      },
      // The product draws its backoff with Math.random; the schedule draws it from the seed instead.
      sleep: () => scheduler.call(process, 'sleep', async () => clock.advance(context.dice.int(25, 100)), false),
    })
    const answered = work.then(
      (answer) => this.#finish(context, { outcome: 'acknowledged', status: answer.status, body: answer.body }, answer.replayed),
      (error: unknown) => this.#finish(context, answerOfError(error), false),
    )
    context.track(
      process,
      answered.then(() => {
        // The answer went out; the isolate may go away before its `waitUntil` work is done.
        if (deferred && context.faultsOn() && context.dice.chance(context.profile.dropDeferred)) context.kill(process, 'evicted after answering')
      }),
    )
  }

  #finish(context: ClientContext, answer: Answer, replayed: boolean): void {
    const { record, planned } = this.busy as NonNullable<Client['busy']>
    Object.assign(record, { endStep: context.scheduler.step, outcome: answer.outcome, status: answer.status, code: answer.code, body: answer.body, replayed })
    record.lost = context.faultsOn() && context.dice.chance(context.profile.lostAnswer)
    if (record.lost) context.countFault()
    const commit = answer.body?.commit?.oid
    context.trace.add(
      `#${record.n} → ${answer.status}${answer.code === undefined ? '' : ` ${answer.code}`}${commit === undefined ? '' : ` commit ${commit}`}` +
        `${replayed ? ' (replayed)' : ''}${record.lost ? ' — ANSWER LOST' : ''}`,
    )
    if (!record.lost && answer.outcome === 'acknowledged' && answer.body !== undefined) this.world.learn(answer.body)
    this.#settled(context, planned, record.lost || answer.outcome === 'unknown' || answer.code === 'idempotency_in_progress')
  }

  /** Free again; a write whose outcome it does not know may be sent again with its key (at most three times). */
  #settled(context: ClientContext, planned: PlannedCall, unsure: boolean): void {
    this.busy = null
    const again = unsure && planned.idempotencyKey !== undefined && this.#retries < 3 && context.dice.chance(context.profile.retry)
    this.#retry = again ? planned : null
    this.#retries = again ? this.#retries + 1 : 0
  }
}
