import type { ListOptions, ListPage, ObjectMetadata, ObjectStore, PutOptions, StoredObject } from '../../../shared/object-store/object-store.ts'
import { MemoryObjectStore } from '../../../shared/object-store/memory-store.ts'
import { invokeTool } from '../../../worker/tools/invoke-tool.ts'
import type { Caller } from '../../../worker/auth/caller.ts'
import { Dice } from '../../support/seeded.ts'
import { SimClock, seededIds } from './clock.ts'
import { History } from './history.ts'
import { SIM_TOOLS } from './tools.ts'
import { setupCalls } from './workload.ts'
import { World } from './world.ts'

/** The bucket, history and knowledge every schedule starts from: a few records per tenant, written calmly. */
export interface Setup {
  objects: { key: string; text: string; metadata: ObjectMetadata }[]
  history: History
  worlds: Map<string, World>
  /** The clock when the setup ended; schedules start after it, so their ids never meet the setup's. */
  endMs: number
}

const SETUP_SEED = 1
const cache = new Map<string, Promise<Setup>>()

/**
 * The setup for these tenants. It is the same for every schedule (fixed ids, fixed clock), so it is written once
 * through the real pipeline (no faults, no concurrency: nothing to schedule) and copied into each schedule.
 */
export function setupFor(tenants: readonly string[], startMs: number): Promise<Setup> {
  const name = `${tenants.join(',')}@${startMs}`
  let setup = cache.get(name)
  if (setup === undefined) {
    setup = writeSetup(tenants, startMs)
    cache.set(name, setup)
  }
  return setup
}

async function writeSetup(tenants: readonly string[], startMs: number): Promise<Setup> {
  const memory = new MemoryObjectStore()
  const history = new History()
  const clock = new SimClock(startMs)
  const ids = seededIds(new Dice(SETUP_SEED), clock.nowMs)
  const objects = new ObservedStore(memory, (key, text) => history.observePut(key, text, 0))
  const worlds = new Map<string, World>()
  for (const tenant of tenants) {
    const world = new World()
    worlds.set(tenant, world)
    const caller: Caller = { sub: 'agent-setup', name: 'Setup Agent', email: `setup@${tenant}.example`, tenant, scope: 'write' }
    for (let planned = setupCalls(world); planned !== null; planned = setupCalls(world)) {
      const tool = SIM_TOOLS[planned.tool]
      const call = history.newCall({ client: 'setup', caller, tool: tool.name, access: tool.access, args: planned.args, startStep: 0 })
      const answer = await invokeTool({
        tool,
        args: planned.args,
        caller,
        objects,
        now: clock.now,
        newId: () => {
          const id = ids()
          history.minted(call, id)
          return id
        },
        sleep: async () => {},
      })
      Object.assign(call, { endStep: 0, outcome: 'acknowledged', status: answer.status, body: answer.body, replayed: false, lost: false })
      world.learn(answer.body)
      clock.advance(1)
    }
  }
  const stored: Setup['objects'] = []
  let cursor: string | undefined
  do {
    const page = await memory.list({ prefix: '', cursor })
    for (const listed of page.objects) {
      const object = (await memory.get(listed.key)) as StoredObject
      stored.push({ key: object.key, text: object.text, metadata: object.metadata })
    }
    cursor = page.cursor
  } while (cursor !== undefined)
  return { objects: stored, history, worlds, endMs: clock.ms + 1 }
}

/** The memory store, telling `observe` of every put that lands. */
class ObservedStore implements ObjectStore {
  readonly #inner: ObjectStore
  readonly #observe: (key: string, text: string) => void

  constructor(inner: ObjectStore, observe: (key: string, text: string) => void) {
    this.#inner = inner
    this.#observe = observe
  }

  get(key: string): Promise<StoredObject | null> {
    return this.#inner.get(key)
  }

  async put(key: string, text: string, options?: PutOptions): Promise<{ version: string } | null> {
    const written = await this.#inner.put(key, text, options)
    if (written !== null) this.#observe(key, text)
    return written
  }

  delete(keys: string | readonly string[]): Promise<void> {
    return this.#inner.delete(keys)
  }

  list(options: ListOptions): Promise<ListPage> {
    return this.#inner.list(options)
  }
}
