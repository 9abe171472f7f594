/**
 * The Worker's heap, measured from outside: workerd gives a Worker no memory figures of its own (`process.memoryUsage()`
 * is all zeros, `node:inspector` sessions are not implemented), so the bench runs vitest with `--inspect` and this
 * sampler, on the Node side, speaks the V8 inspector protocol to the test isolate. A measured call is framed by two
 * log lines of the test (`BENCH_HEAP begin|end <label>`): at `begin` the sampler collects garbage, takes the
 * baseline, then asks `Runtime.getHeapUsage` again and again (V8 answers between the isolate's tasks, i.e. at every
 * storage call the tool awaits) until `end`, and hands the figures back to the test through a global it evaluates
 * in the isolate (`globalThis.__benchHeap`). The peak is a lower bound of the true peak (samples fall between tasks).
 */

interface Pending {
  resolve: (value: any) => void
  reject: (error: Error) => void
}

export interface HeapFigures {
  label: string
  state: 'measuring' | 'done'
  /** Used heap after a full collection, before the call (bytes). */
  baselineBytes: number
  /** Largest used heap seen during the call (bytes). */
  peakBytes: number
  /** Used heap after the call and a full collection: what the call left behind (bytes). */
  afterBytes: number
  samples: number
}

export class HeapSampler {
  readonly #port: number
  #socket: Promise<WebSocket> | undefined
  #nextId = 1
  readonly #pending = new Map<number, Pending>()
  /** Messages are handled one after the other, in the order the test logged them. */
  #queue: Promise<unknown> = Promise.resolve()
  /** Execution contexts the isolate announced (`Runtime.enable`): the figures are published in the latest. */
  readonly #contexts: number[] = []
  #sampling: { label: string; baseline: number; peak: number; samples: number; running: Promise<void>; stop: boolean } | undefined

  constructor(port: number) {
    this.#port = port
  }

  /** Handles one `BENCH_HEAP` line of the test's log. */
  handle(line: string): void {
    const [verb, label = ''] = line.trim().split(/\s+/, 2)
    this.#queue = this.#queue
      .then(() => (verb === 'begin' ? this.#begin(label) : verb === 'end' ? this.#end(label) : undefined))
      .catch((error: unknown) => console.error(`[bench] heap sampler: ${String(error)}`))
  }

  async #begin(label: string): Promise<void> {
    await this.#send('HeapProfiler.collectGarbage')
    const baseline = await this.#used()
    const sampling = { label, baseline, peak: baseline, samples: 1, stop: false, running: Promise.resolve() }
    sampling.running = (async () => {
      while (!sampling.stop) {
        sampling.peak = Math.max(sampling.peak, await this.#used())
        sampling.samples += 1
      }
    })()
    this.#sampling = sampling
    await this.#publish({ label, state: 'measuring', baselineBytes: baseline, peakBytes: baseline, afterBytes: 0, samples: 1 })
  }

  async #end(label: string): Promise<void> {
    const sampling = this.#sampling
    if (sampling === undefined || sampling.label !== label) return
    sampling.stop = true
    await sampling.running
    this.#sampling = undefined
    const peak = Math.max(sampling.peak, await this.#used())
    await this.#send('HeapProfiler.collectGarbage')
    const after = await this.#used()
    await this.#publish({ label, state: 'done', baselineBytes: sampling.baseline, peakBytes: peak, afterBytes: after, samples: sampling.samples + 1 })
  }

  async #used(): Promise<number> {
    return ((await this.#send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize
  }

  async #publish(figures: HeapFigures): Promise<void> {
    const contextId = this.#contexts.at(-1)
    await this.#send('Runtime.evaluate', { expression: `globalThis.__benchHeap = ${JSON.stringify(figures)}`, ...(contextId === undefined ? {} : { contextId }) })
  }

  async #send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const socket = await this.#connect()
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      socket.send(JSON.stringify({ id, method, params }))
    })
  }

  /** The test runner's isolate: the target whose id names vitest's runner worker. */
  #connect(): Promise<WebSocket> {
    this.#socket ??= (async () => {
      const targets = (await (await fetch(`http://127.0.0.1:${this.#port}/json`)).json()) as { id: string; webSocketDebuggerUrl: string }[]
      const target = targets.find((candidate) => candidate.id.includes('vitest-plugin-runner')) ?? targets[0]
      if (target === undefined) throw new Error(`no inspector target on port ${this.#port}`)
      const socket = new WebSocket(target.webSocketDebuggerUrl)
      socket.addEventListener('message', (event) => {
        const message = JSON.parse(String(event.data)) as { id?: number; method?: string; params?: any; result?: unknown; error?: { message: string } }
        if (message.method === 'Runtime.executionContextCreated') this.#contexts.push(message.params.context.id as number)
        if (message.id === undefined) return
        const pending = this.#pending.get(message.id)
        this.#pending.delete(message.id)
        if (message.error !== undefined) pending?.reject(new Error(message.error.message))
        else pending?.resolve(message.result)
      })
      await new Promise<void>((resolve, reject) => {
        socket.addEventListener('open', () => resolve(), { once: true })
        socket.addEventListener('error', () => reject(new Error(`cannot reach the inspector at ${target.webSocketDebuggerUrl}`)), { once: true })
      })
      const id = this.#nextId++
      await new Promise((resolve, reject) => {
        this.#pending.set(id, { resolve, reject })
        socket.send(JSON.stringify({ id, method: 'Runtime.enable', params: {} }))
      })
      return socket
    })()
    return this.#socket
  }

  close(): void {
    void this.#socket?.then((socket) => socket.close()).catch(() => undefined)
  }
}
