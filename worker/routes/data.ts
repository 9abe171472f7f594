import { Hono } from 'hono'
import { NotFoundError } from '../../shared/errors.ts'
import { readCommitted } from '../../shared/git-store/index.ts'
import { parseStoredRecord } from '../../shared/git-store/record-io.ts'
import { recordKey } from '../../shared/keys.ts'
import { ERP_SCHEMA } from '../../shared/schema/index.ts'
import { bearerAuth } from '../auth/bearer-auth.ts'
import { rawReadAccess } from '../auth/raw-read-access.ts'
import type { AppEnv } from '../env.ts'
import { ForbiddenError } from '../http/http-errors.ts'

/**
 * `GET /data/<tenant>/<Entity>/<id>.agi`: one record's bytes exactly as they will be in git, with its version as
 * the ETag. The key is rebuilt from checked segments (never taken from the path), the tenant must be the
 * token's (one without a tool allow-list), and only the committed view is served: an open transaction's writes
 * stay invisible.
 */
export function dataRoutes(): Hono<AppEnv> {
  return new Hono<AppEnv>().get('/:tenant/:entity/:file', bearerAuth(), rawReadAccess('/data'), async (c) => {
    const caller = c.get('caller')
    const { tenant, entity, file } = c.req.param()
    if (tenant !== caller.tenant) throw new ForbiddenError(`this token is for tenant "${caller.tenant}"`)
    if (!file.endsWith('.agi')) throw new NotFoundError('records are served as <id>.agi')
    const key = recordKey(ERP_SCHEMA, tenant, entity, file.slice(0, -'.agi'.length))
    const object = await readCommitted(c.get('objects'), key, tenant, () => Date.now(), { forWrite: false })
    if (object === null) throw new NotFoundError(`${entity} ${file.slice(0, -'.agi'.length)} does not exist`)
    // Served only if it is the record the path names: corrupt bytes (an empty file, a truncated one) are a
    // `corrupt_record` error, never a 200 that shows nothing.
    parseStoredRecord(ERP_SCHEMA, object, { entity, id: file.slice(0, -'.agi'.length) })
    const etag = `"${object.version}"`
    c.header('ETag', etag)
    c.header('Cache-Control', 'private, no-cache')
    if (c.req.header('If-None-Match') === etag) return c.body(null, 304)
    return c.text(object.text, 200, { 'Content-Type': 'text/plain; charset=utf-8' })
  })
}
