import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { verify } from 'hono/jwt'
import { afterAll, describe, expect, it } from 'vitest'

const MAIN = fileURLToPath(new URL('../../action/cli/main.ts', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'accelerando-token-'))

afterAll(() => rmSync(dir, { recursive: true, force: true }))

function accelerando(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [MAIN, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, AUTH_SECRET: '', ...env } })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

const base = ['token', '--tenant', 'acme', '--name', 'Ada Lovelace', '--email', 'ada@acme.example']

describe('accelerando token', () => {
  it('prints a token signed with AUTH_SECRET from the environment as the last line', async () => {
    const { status, stdout } = accelerando([...base, '--scope', 'write', '--tools', 'create_customer, read_customer', '--expires', '2h', '--sub', 'ada'], { AUTH_SECRET: 'first,second' })
    expect(status).toBe(0)
    const token = stdout.trim().split('\n').at(-1)!
    const claims = await verify(token, 'first', 'HS256')
    expect(claims).toMatchObject({ sub: 'ada', name: 'Ada Lovelace', email: 'ada@acme.example', tenant: 'acme', scope: 'write', tools: ['create_customer', 'read_customer'] })
    expect((claims.exp as number) - (claims.iat as number)).toBe(7200)
  })

  it('falls back to .dev.vars, with a 30-day default lifetime and the email as subject', async () => {
    writeFileSync(join(dir, '.dev.vars'), '# local\nAUTH_SECRET="from-dev-vars"\n')
    const { status, stdout } = accelerando([...base, '--scope', 'read'])
    expect(status).toBe(0)
    const claims = await verify(stdout.trim().split('\n').at(-1)!, 'from-dev-vars', 'HS256')
    expect(claims).toMatchObject({ sub: 'ada@acme.example', scope: 'read' })
    expect((claims.exp as number) - (claims.iat as number)).toBe(30 * 86_400)
  })

  it('--json prints the token with its claims and expiry, and nothing else on stdout', async () => {
    const { status, stdout, stderr } = accelerando([...base, '--scope', 'write', '--tools', 'create_customer', '--expires', '1h', '--json'], { AUTH_SECRET: 'json-secret' })
    expect(status, stderr).toBe(0)
    const printed = JSON.parse(stdout) as { token: string; expiresAt: string }
    expect(Object.keys(printed).sort()).toEqual(['email', 'expiresAt', 'name', 'scope', 'sub', 'tenant', 'token', 'tools'])
    expect(printed).toMatchObject({ tenant: 'acme', name: 'Ada Lovelace', email: 'ada@acme.example', sub: 'ada@acme.example', scope: 'write', tools: ['create_customer'] })
    const claims = await verify(printed.token, 'json-secret', 'HS256')
    expect(new Date((claims.exp as number) * 1000).toISOString()).toBe(printed.expiresAt)
    expect((claims.exp as number) - (claims.iat as number)).toBe(3600)
  })

  it.each([
    ['a missing option', [...base]],
    ['an unknown scope', [...base, '--scope', 'admin']],
    ['a bad duration', [...base, '--scope', 'read', '--expires', 'soon']],
    ['an unknown option', [...base, '--scope', 'read', '--admin']],
    ['an invalid tenant', ['token', '--tenant', 'ACME', '--name', 'A', '--email', 'a@b', '--scope', 'read']],
  ])('exits 2 with the usage for %s', (_what, args) => {
    const { status, stderr } = accelerando(args, { AUTH_SECRET: 's' })
    expect(status).toBe(2)
    expect(stderr).toContain('usage: accelerando token')
  })

  it('lists its commands', () => {
    const { status, stdout } = accelerando(['--help'])
    expect(status).toBe(0)
    expect(stdout).toMatch(/dev\s+run the Worker locally/)
    expect(stdout).toMatch(/token\s+print a bearer token/)
  })
})
