import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { AppEnv } from '../env.ts'
import { TooLargeError } from './http-errors.ts'

/** Tool arguments are small JSON documents; anything bigger is refused while it streams in. */
export const MAX_BODY_BYTES = 256 * 1024

/** Refuses a body over `MAX_BODY_BYTES` with 413 `too_large`, before it is buffered whole. */
export function limitBody(): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new TooLargeError(`the request body is over ${MAX_BODY_BYTES / 1024} KiB`)
    },
  })
}
