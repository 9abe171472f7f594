import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevProcess, type DevProcess } from './support/dev-stack.ts'

/**
 * `npm start` as a newcomer runs it, in a fresh copy of the project (so neither the developer's `.dev.vars` nor
 * their local bucket is touched): the banner appears, `/health` answers, the printed token writes, and the sync
 * loop turns the write into a commit in `.accelerando/origin.git`.
 */
describe('accelerando dev (npm start)', () => {
  let stack: DevProcess

  beforeAll(async () => {
    stack = await startDevProcess()
  })

  afterAll(async () => {
    await stack.dispose()
  })

  it('comes up within 60 s with a working token, and stops on SIGTERM', async () => {
    const token = await stack.ready(60_000)
    expect(stack.stdout()).toContain(`http://127.0.0.1:${stack.port}`)
    expect(stack.stdout()).toContain('Created .dev.vars with a new AUTH_SECRET.')
    expect(readFileSync(join(stack.dir, '.dev.vars'), 'utf8')).toMatch(/^AUTH_SECRET=[\w-]{43}$/m)
    expect(existsSync(join(stack.dir, '.wrangler', 'state'))).toBe(true)

    const health = await fetch(`http://127.0.0.1:${stack.port}/health`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ ok: true })

    const created = await fetch(`http://127.0.0.1:${stack.port}/tools/create_customer`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Ada Lovelace' }),
    })
    expect(created.status).toBe(200)
    const body = (await created.json()) as { customer: { tenant_id: string }; commit: { status: string } }
    expect(body.customer.tenant_id).toBe('acme')
    expect(body.commit.status).toBe('pending')

    // The token command signs with the same .dev.vars secret.
    const minted = spawn(process.execPath, ['action/cli/main.ts', 'token', '--tenant', 'acme', '--name', 'Reader', '--email', 'r@acme.example', '--scope', 'read'], {
      cwd: stack.dir,
      env: { ...process.env, AUTH_SECRET: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let mintedOut = ''
    minted.stdout?.on('data', (chunk: Buffer) => (mintedOut += chunk.toString()))
    expect(await new Promise((resolve) => minted.once('exit', resolve))).toBe(0)
    const readToken = mintedOut.trim().split('\n').at(-1)!

    // The sync loop turns the call into a commit in the local origin, and the feed shows it synced with that SHA.
    const oid = (body.commit as unknown as { oid: string }).oid
    let entry: { oid: string; status: string; commit_sha?: string } | undefined
    const syncStarted = Date.now()
    while (entry?.status !== 'synced') {
      if (Date.now() - syncStarted > 30_000) throw new Error(`not synced within 30 s:\n${stack.stdout()}\n${stack.stderr()}`)
      await new Promise((resolve) => setTimeout(resolve, 500))
      const activity = await fetch(`http://127.0.0.1:${stack.port}/activity`, { headers: { Authorization: `Bearer ${readToken}` } })
      expect(activity.status).toBe(200)
      const entries = ((await activity.json()) as { entries: (typeof entry & {})[] }).entries
      expect(entries).toHaveLength(1)
      entry = entries[0]
    }
    expect(entry.oid).toBe(oid)
    const log = execFileSync('git', ['--git-dir', join(stack.dir, '.accelerando', 'origin.git'), 'log', '-1', '--format=%H%n%an <%ae>%n%s%n%(trailers:key=Accelerando-Entry,valueonly)'], { encoding: 'utf8' }).split('\n')
    expect(log[0]).toBe(entry.commit_sha)
    expect(log[1]).toBe('Developer <dev@acme.localhost>')
    expect(log[2]).toMatch(/^create Customer [0-9a-f-]{36}$/)
    expect(log[3]).toBe(oid)
    expect(stack.stdout()).toContain('git --git-dir .accelerando/origin.git log')

    await stack.stop()
    await expect(fetch(`http://127.0.0.1:${stack.port}/health`)).rejects.toThrow()
  }, 90_000)
})
