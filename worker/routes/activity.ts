import { Hono } from 'hono'
import { ValidationError } from '../../shared/errors.ts'
import { ACTIVITY_DEFAULT_LIMIT, ACTIVITY_MAX_LIMIT, readActivity } from '../activity/activity-feed.ts'
import { bearerAuth } from '../auth/bearer-auth.ts'
import { rawReadAccess } from '../auth/raw-read-access.ts'
import type { AppEnv } from '../env.ts'

/** `GET /activity?limit=&cursor=`: the token's tenant's commits, newest first, pending and synced. */
export function activityRoutes(): Hono<AppEnv> {
  return new Hono<AppEnv>().get('/', bearerAuth(), rawReadAccess('/activity'), async (c) => {
    const page = await readActivity(c.get('objects'), c.get('caller').tenant, {
      limit: parseLimit(c.req.query('limit')),
      cursor: c.req.query('cursor') || undefined,
    })
    return c.json(page)
  })
}

function parseLimit(value: string | undefined): number {
  if (value === undefined || value === '') return ACTIVITY_DEFAULT_LIMIT
  const limit = /^[0-9]{1,4}$/.test(value) ? Number(value) : Number.NaN
  if (!(limit >= 1 && limit <= ACTIVITY_MAX_LIMIT)) {
    throw new ValidationError(`limit must be an integer from 1 to ${ACTIVITY_MAX_LIMIT}`, [{ path: ['limit'], message: 'out of range' }])
  }
  return limit
}
