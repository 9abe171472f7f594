/**
 * `dist/cli.js` as a data repository gets it: the one file, copied alone into an empty directory (no
 * `node_modules` anywhere above it), run by the machine's own Node rather than the project's Node 22.
 */
import { execFileSync, spawn } from 'node:child_process'
import { copyFile, readdir } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { verify } from 'hono/jwt'
import { describe, expect } from 'vitest'
import type { MiniflareR2 } from '../support/miniflare-r2.ts'
import { generateHistory, writePending, writeRecords } from './support/entries.ts'
import { reconcilerTest } from './support/reconciler-test.ts'
import { history } from './support/repos.ts'

const BUNDLE = resolve(import.meta.dirname, '../../dist/cli.js')
/** The machine's Node (20 on these machines), not the devDependency that runs the tests. */
const SYSTEM_NODE = process.env.ACCELERANDO_SYSTEM_NODE ?? '/usr/bin/node'
const SYSTEM_NODE_VERSION = execFileSync(SYSTEM_NODE, ['--version'], { encoding: 'utf8' }).trim()

type Run = { code: number | null; stdout: string; stderr: string }

function run(script: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  // Only what a shell in a data repository would have: no NODE_PATH, no project on the PATH.
  const child = spawn(SYSTEM_NODE, [script, ...args], { cwd, env: { PATH: '/usr/bin:/bin', HOME: cwd, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }))
  })
}

const r2Env = (r2: MiniflareR2) => ({ R2_ENDPOINT: r2.endpoint, R2_BUCKET: r2.bucket, R2_ACCESS_KEY_ID: r2.accessKeyId, R2_SECRET_ACCESS_KEY: r2.secretAccessKey })

/** The bundle under the name the README gives it, alone in the test's empty directory. */
const it = reconcilerTest.extend('cli', async ({ scratchDir }) => {
  const script = join(scratchDir, 'accelerando.mjs')
  await copyFile(BUNDLE, script)
  return script
})

describe(`dist/cli.js alone, on the system Node (${SYSTEM_NODE_VERSION})`, () => {
  it('needs no node_modules: --help lists the commands and says where dev runs', async ({ cli, scratchDir }) => {
    expect(Number(/^v(\d+)\./.exec(SYSTEM_NODE_VERSION)?.[1])).toBeGreaterThanOrEqual(20)
    expect(await readdir(scratchDir)).toEqual(['accelerando.mjs'])
    for (let dir = scratchDir; dir !== dirname(dir); dir = dirname(dir)) expect(existsSync(join(dir, 'node_modules')), dir).toBe(false)

    const help = await run(cli, ['--help'], scratchDir)
    expect(help.code, help.stderr).toBe(0)
    for (const name of ['token', 'sync', 'replay', 'verify', 'log', 'dispatch']) expect(help.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'))
    expect(help.stdout).toMatch(/^ {2}dev +.*only in a checkout/m)
    const dev = await run(cli, ['dev'], scratchDir)
    expect(dev.code).toBe(2)
    expect(dev.stderr).toContain('npm start')

    // Under its name in dist/ too (Node 20.19+ reads a .js file of import statements as a module when no package.json says otherwise).
    await copyFile(BUNDLE, join(scratchDir, 'cli.js'))
    const asJs = await run(join(scratchDir, 'cli.js'), ['sync', '--help'], scratchDir)
    expect(asJs.code, asJs.stderr).toBe(0)
    expect(asJs.stdout).toMatch(/^accelerando sync \[options\]/)
  })

  it('syncs a clone and verifies it against the S3 endpoint, progress on stderr and the result on stdout', async ({ cli, r2, repos }) => {
    const { entries, finalFiles } = await generateHistory(6)
    await writePending(r2.store, entries)
    await writeRecords(r2.store, finalFiles)

    const sync = await run(cli, ['sync'], repos.work.cwd, r2Env(r2))
    expect(sync.code, sync.stderr).toBe(0)
    expect(sync.stdout.trim().split('\n').at(-1)).toMatch(/^sync: 6 synced, 6 commit\(s\), 0 already on main, 0 quarantined, 0 remaining; main at [0-9a-f]{12}$/)
    expect((await history(repos.origin)).slice(1).map((commit) => commit.authorName)).toEqual(entries.map((entry) => entry.author.name))
    // Not a terminal: plain lines, each phase closed with its count, time and rate; never a redrawn line.
    expect(sync.stderr).toMatch(/^reading pending entries: 6\/6 in \d+\.\d s \([\d.,]+\/s\)$/m)
    expect(sync.stderr).toMatch(/^marking entries synced: 6\/6 in \d+\.\d s/m)
    expect(sync.stderr).not.toContain('\r')
    expect(sync.stderr).not.toContain('NodeVersionSupportWarning')
    expect(sync.stdout).not.toMatch(/entries synced:|reading/)

    const verify = await run(cli, ['verify', '--json'], repos.work.cwd, r2Env(r2))
    expect(verify.code, verify.stderr).toBe(0)
    const result = JSON.parse(verify.stdout) as { mode: string; drift: unknown[]; integrity: unknown[]; bucketFiles: number; headSha: string }
    expect(result).toMatchObject({ mode: 'verify', drift: [], integrity: [], bucketFiles: finalFiles.size, headSha: await repos.origin.revParse('main') })
    expect(verify.stderr).toMatch(/^reading data\/: \d+\/\d+ in /m)
  })

  it('mints a token as JSON with nothing but AUTH_SECRET', async ({ cli, scratchDir }) => {
    const minted = await run(cli, ['token', '--tenant', 'acme', '--name', 'Ada', '--email', 'ada@acme.example', '--scope', 'read', '--json'], scratchDir, { AUTH_SECRET: 'bundle-secret' })
    expect(minted.code, minted.stderr).toBe(0)
    const { token, ...claims } = JSON.parse(minted.stdout) as { token: string; expiresAt: string }
    expect(claims).toMatchObject({ tenant: 'acme', name: 'Ada', email: 'ada@acme.example', sub: 'ada@acme.example', scope: 'read' })
    expect((await verify(token, 'bundle-secret', 'HS256')).exp).toBe(Date.parse(claims.expiresAt) / 1000)
  })
})
