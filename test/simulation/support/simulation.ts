import { indexedFields } from '../../../shared/agi/index.ts'
import { TX_ABANDONED_MS, TX_CONFIRM_WINDOW_MS, TX_DEADLINE_MS, writeIndexMarker } from '../../../shared/git-store/index.ts'
import { ERP_SCHEMA } from '../../../shared/schema/index.ts'
import { MemoryObjectStore } from '../../../shared/object-store/memory-store.ts'
import type { Caller } from '../../../worker/auth/caller.ts'
import { Dice } from '../../support/seeded.ts'
import { startLedgerFold, startRecoveryPass, startSyncRun } from './background.ts'
import { ModelBranch } from './branch.ts'
import { SimClock, seededIds } from './clock.ts'
import { Client, type ClientContext } from './clients.ts'
import { History } from './history.ts'
import { drawProfile, type Profile } from './profile.ts'
import { Scheduler, type Fault, type PendingCall, type Process } from './scheduler.ts'
import { setupFor } from './setup.ts'
import { SimBucket, SimStore } from './sim-store.ts'
import { Trace } from './trace.ts'
import { World } from './world.ts'

const START_MS = Date.UTC(2026, 5, 25, 9, 0, 0)
/**
 * The main phase lasts at most this long, so every read happens within `TX_CONFIRM_WINDOW_MS` of every write:
 * the product trusts older records without a check because recovery runs every minute, which a schedule that
 * injects faults into recovery itself cannot promise.
 */
const MAIN_PHASE_MS = 7 * 60_000
/** A Worker request (and its `waitUntil` work) lives no longer than the writer's own deadline. */
const REQUEST_LIFETIME_MS = TX_DEADLINE_MS
const MAX_STEPS = 50_000
const TENANTS: readonly string[] = ['acme', 'globex']
/** Rounds of ledger folds, with faults, once the main phase's lines are old enough to be folded. */
const LEDGER_ROUNDS = 4

/**
 * One schedule: clients calling tools through the real pipeline, the recovery pass and the sync run as
 * processes, every storage call settled in a seeded order with seeded faults; then quiescence.
 */
export class Simulation {
  readonly seed: number
  readonly dice: Dice
  readonly profile: Profile
  readonly clock = new SimClock(START_MS)
  readonly scheduler = new Scheduler()
  readonly history = new History()
  readonly branch = new ModelBranch()
  readonly trace = new Trace(this.clock, () => this.scheduler.step)
  readonly memory: MemoryObjectStore
  faults = 0
  readonly #ids: () => string
  /** What clients and background processes see of this schedule. */
  readonly #context: ClientContext
  readonly #clients: Client[] = []
  readonly #worlds = new Map<string, World>()
  #faultsOn = true
  #sync: Process | null = null
  #recovery: Process | null = null
  #runs = 0
  #lastCronMinute = Math.floor(START_MS / 60_000)
  /** A bug of the simulation itself (not of the product), raised at the next step. */
  #modelError: unknown
  /** Every put that lands is recorded at the step it lands (entries: commit points; intents: what writes were based on). */
  readonly #observe = (key: string, text: string): void => this.history.observePut(key, text, this.scheduler.step)

  constructor(seed: number) {
    this.seed = seed
    this.dice = new Dice(seed)
    this.profile = drawProfile(this.dice)
    // Ids draw from a stream of their own, so a change in how often ids are minted leaves the schedule's choices alone.
    this.#ids = seededIds(new Dice(seed ^ 0x5eed1d5), this.clock.nowMs)
    this.memory = new MemoryObjectStore({ maxPageSize: this.profile.pageSize })
    this.#context = {
      scheduler: this.scheduler,
      clock: this.clock,
      trace: this.trace,
      track: (process, work) => this.#track(process, work),
      dice: this.dice,
      profile: this.profile,
      history: this.history,
      ids: this.#ids,
      faultsOn: () => this.#faultsOn,
      store: (process) => this.#store(process),
      kill: (process, why) => this.#kill(process, why),
      countFault: () => {
        this.faults += 1
      },
    }
    const tenants = this.profile.otherTenant ? TENANTS : TENANTS.slice(0, 1)
    for (const tenant of tenants) this.#worlds.set(tenant, new World())
    const names = Array.from({ length: this.profile.clients }, (_, index) => ({ name: `c${index + 1}`, tenant: TENANTS[0] as string }))
    if (this.profile.otherTenant) names[names.length - 1] = { name: 'x1', tenant: TENANTS[1] as string }
    for (const { name, tenant } of names) {
      const caller: Caller = { sub: `agent-${name}`, name: `Agent ${name.toUpperCase()}`, email: `${name}@${tenant}.example`, tenant, scope: 'write' }
      this.#clients.push(new Client(name, caller, this.#worlds.get(tenant) as World, this.dice.int(...this.profile.callsPerClient)))
    }
  }

  /** Tool calls, sync runs and recovery passes. */
  /** The tenants this schedule's clients write to. */
  get tenants(): string[] {
    return [...this.#worlds.keys()]
  }

  get operations(): number {
    return this.history.calls.length + this.#runs
  }

  /** Setup, the main phase with faults, then quiescence: afterwards the bucket and the branch can be judged. */
  async run(): Promise<void> {
    await this.#setup()
    await this.#main()
    await this.#ledgerPhase()
    await this.#quiesce()
  }

  /** The shared setup (a few records per tenant, written calmly), copied in: the clients have something to fight over. */
  async #setup(): Promise<void> {
    const setup = await setupFor([...this.#worlds.keys()], START_MS)
    for (const object of setup.objects) await this.memory.put(object.key, object.text, { metadata: object.metadata })
    // Every other schedule with its indexes marked complete: filtered lists and reference checks then read the indexes,
    // the others the records themselves (as before a rebuild).
    if (this.seed % 2 === 0) {
      for (const spec of ERP_SCHEMA.entities.values()) for (const field of indexedFields(spec)) await writeIndexMarker(this.memory, ERP_SCHEMA, spec.name, field.name, new Date(START_MS))
    }
    this.history.absorb(setup.history)
    for (const [tenant, world] of this.#worlds) world.absorb(setup.worlds.get(tenant) as World)
    this.clock.advance(setup.endMs - START_MS)
    this.trace.add(`--- setup: ${setup.history.calls.length} calls, ${setup.history.entries.length} pending entries; faults on`)
  }

  async #main(): Promise<void> {
    for (;;) {
      await this.scheduler.drain()
      this.#assertModel()
      this.#expire()
      this.#cron()
      const idle = this.#clients.filter((client) => client.ready)
      const live = this.scheduler.live()
      if (idle.length === 0 && !live.some((process) => process.kind === 'request')) return
      this.#assertProgress(live)
      const action = this.dice.weighted({
        settle: this.scheduler.pending.length > 0 ? 12 : 0,
        call: idle.length > 0 ? 3 : 0,
        sync: this.#sync === null ? 0.4 : 0,
        recovery: this.#recovery === null ? 0.15 : 0,
        kill: live.length > 0 ? this.profile.kill : 0,
        jump: this.clock.ms - START_MS < MAIN_PHASE_MS - 150_000 ? this.profile.jump : 0,
      })
      this.scheduler.step += 1
      if (action === 'settle') await this.#settleOne()
      else if (action === 'call') this.dice.pick(idle).callNext(this.#context)
      else if (action === 'sync') this.#startSync()
      else if (action === 'recovery') this.#startRecovery('pass')
      else if (action === 'kill') this.#kill(this.dice.pick(live), 'killed')
      else this.#jump()
      this.clock.advance(this.dice.int(0, 25))
    }
  }

  /**
   * The window passes, so the main phase's journal lines may be folded into the ledger summary: folds run, two at a
   * time at most, beside the recovery pass, with faults and kills. Transactions left open by the main phase hold the
   * folds back until recovery settles them.
   */
  async #ledgerPhase(): Promise<void> {
    this.clock.advance(TX_CONFIRM_WINDOW_MS + 1000)
    this.trace.add('--- ledger phase: folds with faults on')
    for (let round = 0; round < LEDGER_ROUNDS; round++) {
      this.#cron()
      for (const tenant of this.#worlds.keys()) {
        const folds = this.dice.int(0, 2)
        for (let fold = 0; fold < folds; fold++) this.#startFold(tenant)
      }
      for (;;) {
        await this.scheduler.drain()
        this.#assertModel()
        this.#expire()
        const live = this.scheduler.live()
        if (live.length === 0) break
        this.#assertProgress(live)
        this.scheduler.step += 1
        if (this.dice.chance(this.profile.kill / 4)) this.#kill(this.dice.pick(live), 'killed')
        else await this.#settleOne()
        this.clock.advance(this.dice.int(0, 25))
      }
      this.clock.advance(this.dice.int(20_000, 70_000))
    }
  }

  /** A fold; with faults on, of a few lines at a time, so folds build on one another's month objects. */
  #startFold(tenant: string): void {
    const process = this.scheduler.spawn('recovery', `fold${++this.#runs}`, this.clock.ms)
    void startLedgerFold(this.#context, process, this.#store(process), tenant, this.#faultsOn ? this.dice.int(1, 4) : undefined)
  }

  /** No more faults: every process finishes, recovery runs once writers are surely gone, then sync until nothing is pending. */
  async #quiesce(): Promise<void> {
    this.#faultsOn = false
    this.trace.add('--- quiescence: faults off')
    await this.#runUntilIdle()
    this.clock.advance(TX_ABANDONED_MS + 1000)
    this.#startRecovery('final')
    await this.#runUntilIdle()
    for (let run = 0; run < 3; run++) {
      this.#startSync()
      await this.#runUntilIdle()
      if ((await this.memory.list({ prefix: 'commits/', limit: 1 })).objects.length === 0) break
    }
    // The checks read the ledger summary as these last folds leave it, and a trial balance through it.
    for (const tenant of this.#worlds.keys()) this.#startFold(tenant)
    await this.#runUntilIdle()
  }

  /** Settles pending calls (in seeded order, with faults only if they are on) until no process is running. */
  async #runUntilIdle(): Promise<void> {
    for (;;) {
      await this.scheduler.drain()
      this.#assertModel()
      const live = this.scheduler.live()
      if (live.length === 0) return
      this.#assertProgress(live)
      this.scheduler.step += 1
      await this.#settleOne()
    }
  }

  #assertModel(): void {
    if (this.#modelError !== undefined) throw this.#modelError
  }

  /** Runs `work` as part of `process`; a throw in the simulation's own handlers stops the schedule. */
  #track(process: Process, work: Promise<unknown>): void {
    this.scheduler.track(process, work).catch((error: unknown) => {
      this.#modelError ??= error
    })
  }

  #assertProgress(live: Process[]): void {
    if (this.scheduler.step > MAX_STEPS) throw new Error(`schedule ${this.seed} ran past ${MAX_STEPS} steps`)
    if (live.length > 0 && this.scheduler.pending.length === 0) {
      throw new Error(`schedule ${this.seed} is stuck: ${live.map((process) => process.name).join(', ')} wait on nothing the scheduler holds`)
    }
  }

  async #settleOne(): Promise<void> {
    const pending = this.scheduler.pending
    if (pending.length === 0) return
    const call = this.#pickPending(pending)
    const fault = this.#fault(call)
    const what = await this.scheduler.settle(call, fault)
    this.trace.add(`${call.process.name} ${call.label} → ${what}`)
  }

  /** A pending call, the fast ones more likely: a slow call (a slow network path) is overtaken by many. */
  #pickPending(pending: readonly PendingCall[]): PendingCall {
    let total = 0
    for (const call of pending) {
      call.speed ??= this.dice.chance(this.profile.slowCalls) ? 0.1 : 1
      total += call.speed
    }
    let roll = this.dice.float() * total
    for (const call of pending) {
      roll -= call.speed as number
      if (roll < 0) return call
    }
    return pending.at(-1) as PendingCall
  }

  #fault(call: PendingCall): Fault {
    if (!this.#faultsOn || !call.faultable) return 'none'
    const roll = this.dice.float()
    const fault: Fault = roll < this.profile.failBefore ? 'fail-before' : roll < this.profile.failBefore + this.profile.applyThenFail ? 'apply-then-fail' : 'none'
    if (fault !== 'none') this.faults += 1
    return fault
  }

  #store(process: Process): SimStore {
    return new SimStore(this.scheduler, process, this.memory, this.#observe)
  }

  #kill(process: Process, why: string): void {
    this.scheduler.kill(process)
    this.faults += 1
    this.trace.add(`${process.name} ${why.toUpperCase()}`)
    if (process === this.#sync) this.#sync = null
    if (process === this.#recovery) this.#recovery = null
    // A request that had answered only loses its deferred clean-up; one that had not leaves its client unsure.
    this.#clients.find((client) => client.busy?.process === process)?.died(this.#context)
  }

  /** Minutes pass at once. A Worker request cannot span them: those still running are cut off. */
  #jump(): void {
    const ms = this.dice.int(30_000, 150_000)
    this.clock.advance(ms)
    this.trace.add(`clock +${(ms / 1000).toFixed(1)}s`)
    this.#expire()
  }

  /** Requests and recovery passes older than a request may live are gone (the Action's run is not bounded so). */
  #expire(): void {
    for (const process of this.scheduler.live()) {
      if (process.kind !== 'sync' && this.clock.ms - process.startedMs > REQUEST_LIFETIME_MS) this.#kill(process, 'timed out')
    }
  }

  /** The Worker's cron: a recovery pass every minute. */
  #cron(): void {
    const minute = Math.floor(this.clock.ms / 60_000)
    if (minute === this.#lastCronMinute) return
    this.#lastCronMinute = minute
    if (this.#recovery === null) this.#startRecovery('cron')
  }

  #startRecovery(why: string): void {
    const process = this.scheduler.spawn('recovery', `rec${++this.#runs}`, this.clock.ms)
    this.#recovery = process
    void startRecoveryPass(this.#context, process, this.#store(process), why).finally(() => {
      if (this.#recovery === process) this.#recovery = null
    })
  }

  #startSync(): void {
    const process = this.scheduler.spawn('sync', `sync${++this.#runs}`, this.clock.ms)
    this.#sync = process
    const maxEntries = this.#faultsOn && this.dice.chance(0.4) ? this.dice.int(1, 3) : undefined
    const bucket = new SimBucket(this.scheduler, process, this.memory, this.#observe)
    void startSyncRun(this.#context, process, bucket, this.branch, maxEntries).finally(() => {
      if (this.#sync === process) this.#sync = null
    })
  }
}
