/**
 * Fault injection for the Action: a bucket and a git runner that share one "process". Either can be told to
 * die after its nth operation (a bucket write, a git command); from then on every call of both throws
 * `SimulatedCrash` without doing anything, as a killed process does nothing more.
 */
import type { Bucket } from '../../../action/engine/bucket.ts'
import { Git, type GitExecResult, type GitRunOptions } from '../../../action/git.ts'
import type { S3ObjectStore } from '../../../action/s3-object-store.ts'
import { SimulatedCrash } from '../../../shared/object-store/faulty-store.ts'
import type { ListOptions, PutOptions } from '../../../shared/object-store/object-store.ts'

/** One process's life: the first component to crash kills it for all. */
export class Process {
  crashed = false
  /** What the process was doing when it died. */
  diedAt: string | undefined

  check(): void {
    if (this.crashed) throw new SimulatedCrash()
  }

  kill(at: string): never {
    this.crashed = true
    this.diedAt = at
    throw new SimulatedCrash(`simulated crash ${at}`)
  }
}

/** Counts bucket writes (puts and deletes, a batch delete being one); with `crashAfter(n)` the (n+1)th dies. */
export class FaultyBucket implements Bucket {
  readonly #inner: S3ObjectStore
  readonly #process: Process
  #crashAt: number | undefined
  /** Every write made, in order: `put <key>` or `delete <first key> (+n)`. */
  readonly writes: string[] = []

  constructor(inner: S3ObjectStore, process: Process) {
    this.#inner = inner
    this.#process = process
  }

  crashAfter(n: number): void {
    this.#crashAt = n
  }

  #mutation(what: string): void {
    this.#process.check()
    if (this.#crashAt !== undefined && this.writes.length >= this.#crashAt) {
      this.#process.kill(`before bucket write ${this.writes.length + 1} (${what}), after ${this.writes.at(-1) ?? 'no write'}`)
    }
    this.writes.push(what)
  }

  async get(key: string) {
    this.#process.check()
    return this.#inner.get(key)
  }

  async put(key: string, text: string, options?: PutOptions) {
    this.#mutation(`put ${key}`)
    return this.#inner.put(key, text, options)
  }

  async delete(keys: string | readonly string[]) {
    const list = typeof keys === 'string' ? [keys] : keys
    this.#mutation(`delete ${list[0] ?? ''}${list.length > 1 ? ` (+${list.length - 1})` : ''}`)
    return this.#inner.delete(keys)
  }

  async list(options: ListOptions) {
    this.#process.check()
    return this.#inner.list(options)
  }

  async *listAll(prefix: string, options?: { startAfter?: string }) {
    this.#process.check()
    for await (const listed of this.#inner.listAll(prefix, options)) {
      this.#process.check()
      yield listed
    }
  }

  async listPrefixes(prefix: string) {
    this.#process.check()
    return this.#inner.listPrefixes(prefix)
  }

  async getMany(keys: readonly string[], concurrency?: number, onRead?: () => void) {
    this.#process.check()
    return this.#inner.getMany(keys, concurrency, onRead)
  }
}

/** A git runner that counts commands; with `crashAfter(n)` the (n+1)th command dies before it runs. */
export class FaultyGit extends Git {
  readonly #process: Process
  #crashAt: number | undefined
  /** Every command run, in order (`fetch`, `fast-import`, `push`, ...). */
  readonly commands: string[] = []

  constructor(cwd: string, process: Process) {
    super(cwd)
    this.#process = process
  }

  crashAfter(n: number): void {
    this.#crashAt = n
  }

  #before(args: readonly string[]): void {
    this.#process.check()
    const name = commandName(args)
    if (this.#crashAt !== undefined && this.commands.length >= this.#crashAt) {
      this.#process.kill(`before git command ${this.commands.length + 1} (${name}), after git ${this.commands.at(-1) ?? '(none)'}`)
    }
    this.commands.push(name)
  }

  override async run(args: readonly string[], options?: GitRunOptions): Promise<string> {
    this.#before(args)
    return super.run(args, options)
  }

  override async exec(args: readonly string[], options?: GitRunOptions): Promise<GitExecResult> {
    this.#before(args)
    return super.exec(args, options)
  }
}

/** The git subcommand of `args`, past global options (`-c name=value push ...` is `push`). */
function commandName(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (arg === '-c' || arg === '-C') i += 1
    else if (!arg.startsWith('-')) return arg
  }
  return args[0] ?? ''
}
