import { execFileSync, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const TOKEN_LINE = /^\s+(eyJ[\w-]+\.[\w-]+\.[\w-]+)\s*$/m

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

/**
 * `npm start` as a newcomer runs it, in a fresh copy of the project (so neither the developer's `.dev.vars` nor
 * their local bucket is touched): the banner appears, `/health` answers, the printed token writes, and the sync
 * loop turns the write into a commit in `.accelerando/origin.git`.
 */
describe('accelerando dev (npm start)', () => {
  let dir: string
  let port: number
  let child: ReturnType<typeof spawn>
  let stdout = ''
  let stderr = ''
  let exited: Promise<number | null>

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accelerando-dev-'))
    for (const entry of ['package.json', 'wrangler.jsonc', 'worker', 'shared', 'action']) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true })
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
    port = await freePort()
    child = spawn(process.execPath, ['action/cli/main.ts', 'dev'], { cwd: dir, env: { ...process.env, PORT: String(port), AUTH_SECRET: '' }, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)))
  })

  afterAll(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  })

  it('comes up within 60 s with a working token, and stops on SIGTERM', async () => {
    const started = Date.now()
    while (!TOKEN_LINE.test(stdout)) {
      if (child.exitCode !== null) throw new Error(`accelerando dev exited early:\n${stdout}\n${stderr}`)
      if (Date.now() - started > 60_000) throw new Error(`no banner within 60 s:\n${stdout}\n${stderr}`)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    expect(stdout).toContain(`http://127.0.0.1:${port}`)
    expect(stdout).toContain('Created .dev.vars with a new AUTH_SECRET.')
    expect(readFileSync(join(dir, '.dev.vars'), 'utf8')).toMatch(/^AUTH_SECRET=[\w-]{43}$/m)
    expect(existsSync(join(dir, '.wrangler', 'state'))).toBe(true)
    const token = TOKEN_LINE.exec(stdout)![1]!

    const health = await fetch(`http://127.0.0.1:${port}/health`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ ok: true })

    const created = await fetch(`http://127.0.0.1:${port}/tools/create_customer`, {
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
      cwd: dir,
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
      if (Date.now() - syncStarted > 30_000) throw new Error(`not synced within 30 s:\n${stdout}\n${stderr}`)
      await new Promise((resolve) => setTimeout(resolve, 500))
      const activity = await fetch(`http://127.0.0.1:${port}/activity`, { headers: { Authorization: `Bearer ${readToken}` } })
      expect(activity.status).toBe(200)
      const entries = ((await activity.json()) as { entries: (typeof entry & {})[] }).entries
      expect(entries).toHaveLength(1)
      entry = entries[0]
    }
    expect(entry.oid).toBe(oid)
    const log = execFileSync('git', ['--git-dir', join(dir, '.accelerando', 'origin.git'), 'log', '-1', '--format=%H%n%an <%ae>%n%s%n%(trailers:key=Accelerando-Entry,valueonly)'], { encoding: 'utf8' }).split('\n')
    expect(log[0]).toBe(entry.commit_sha)
    expect(log[1]).toBe('Developer <dev@acme.localhost>')
    expect(log[2]).toMatch(/^create Customer [0-9a-f-]{36}$/)
    expect(log[3]).toBe(oid)
    expect(stdout).toContain('git --git-dir .accelerando/origin.git log')

    child.kill('SIGTERM')
    await exited
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow()
  }, 90_000)
})
