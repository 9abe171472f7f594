import type { Context } from 'hono'
import { ValidationError } from '../../shared/errors.ts'
import type { AppEnv } from '../env.ts'

/**
 * The request body as JSON; an empty body reads as `{}` (tools whose arguments are all optional). Malformed
 * JSON is the caller's mistake, a 400, never a 500.
 */
export async function readJsonBody(c: Context<AppEnv>): Promise<unknown> {
  const text = await c.req.text()
  if (text.trim() === '') return {}
  try {
    return JSON.parse(text)
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error)
    throw new ValidationError(`the request body is not valid JSON: ${why}`, [{ path: [], message: 'invalid JSON' }])
  }
}
