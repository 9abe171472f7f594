import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import packageJson from '../../package.json' with { type: 'json' }

describe('health', () => {
  it('answers ok with the version, without a token', async () => {
    const res = await exports.default.fetch('http://x/health')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true, version: packageJson.version })
  })
})
