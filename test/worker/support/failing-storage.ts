/**
 * The Worker over storage whose reads fail with an error nobody expects: the path an internal fault
 * takes, whose cause the answer must not show.
 */
import { createApp } from '../../../worker/app.ts'

/** The message of the hidden cause: an answer that contains it leaks. */
export const HIDDEN_CAUSE = 'disk on fire'

export function appWithFailingReads(): ReturnType<typeof createApp> {
  return createApp({
    objects: () => ({
      get: async () => {
        throw new Error(HIDDEN_CAUSE)
      },
      put: async () => null,
      delete: async () => {},
      list: async () => ({ objects: [] }),
    }),
  })
}
