import type { Caller } from './auth/caller.ts'
import type { ObjectStore } from '../shared/object-store/object-store.ts'

/** What a request carries through the middleware chain. */
export interface AppVariables {
  /** Set by `hono/request-id`; quoted in every 500 so a log line can be found. */
  requestId: string
  /** Set by the bearer-token middleware. */
  caller: Caller
  /** The bucket behind this request (the R2 binding, or a wrapper injected by tests). */
  objects: ObjectStore
}

export type AppEnv = { Bindings: Env; Variables: AppVariables }

/** Builds the bucket a request or scheduled run works on; tests inject counting or crashing wrappers. */
export type ObjectStoreFactory = (env: Env) => ObjectStore
