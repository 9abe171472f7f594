/**
 * `npm start`'s stack for end-to-end tests: `accelerando dev` in a fresh copy of the project (so neither the
 * developer's `.dev.vars` nor their local bucket is touched) on a free port, with helpers to wait for its
 * banner, run the sync by hand and read what reached `.accelerando/origin.git`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureLocalRepositories } from '../../../action/engine/sync-loop.ts'

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
/** The token is the banner's only line that is a JWT alone. */
const TOKEN_LINE = /^\s+(eyJ[\w-]+\.[\w-]+\.[\w-]+)\s*$/m
const PROJECT_ENTRIES = ['package.json', 'wrangler.jsonc', 'worker', 'shared', 'action']

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

export interface DevProcess {
  /** The project copy the stack runs in. */
  dir: string
  port: number
  url: string
  child: ChildProcess
  exited: Promise<number | null>
  stdout(): string
  stderr(): string
  /** Waits for the banner and answers the write token it printed. */
  ready(timeoutMs?: number): Promise<string>
  /** SIGTERM (the CLI stops wrangler and the sync loop), then waits for the exit. Safe to call twice. */
  stop(): Promise<void>
  /** `stop()`, then removes the copy. */
  dispose(): Promise<void>
}

export interface DevProcessOptions {
  /** After `dev`, e.g. `['--no-sync']`. */
  args?: string[]
  env?: Record<string, string>
  /** The temp directory's name prefix. */
  prefix?: string
}

/** Copies the project, links its node_modules and starts `accelerando dev` there on a free port. */
export async function startDevProcess(options: DevProcessOptions = {}): Promise<DevProcess> {
  const dir = mkdtempSync(join(tmpdir(), options.prefix ?? 'accelerando-dev-'))
  for (const entry of PROJECT_ENTRIES) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true })
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
  const port = await freePort()
  // An AUTH_SECRET from the shell would win over the copy's .dev.vars; the stack must make its own.
  const child = spawn(process.execPath, ['action/cli/main.ts', 'dev', ...(options.args ?? [])], {
    cwd: dir,
    env: { ...process.env, PORT: String(port), AUTH_SECRET: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  }
  return {
    dir,
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    async ready(timeoutMs = 60_000) {
      const started = Date.now()
      while (!TOKEN_LINE.test(stdout)) {
        if (child.exitCode !== null) throw new Error(`accelerando dev exited early:\n${stdout}\n${stderr}`)
        if (Date.now() - started > timeoutMs) throw new Error(`no banner within ${timeoutMs / 1000} s:\n${stdout}\n${stderr}`)
        await sleep(200)
      }
      return TOKEN_LINE.exec(stdout)?.[1] as string
    },
    stop,
    async dispose() {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * One run of the production sync engine over the stack's local S3 endpoint, as `accelerando sync --local`
 * (for a stack started with `--no-sync`, so a test decides when entries turn synced). Creates
 * `.accelerando/origin.git` and its clone first, as the sync loop would.
 */
export async function syncOnce(stack: DevProcess): Promise<{ synced: number; commits: { sha: string; subject: string }[] }> {
  await ensureLocalRepositories(join(stack.dir, '.accelerando'))
  const child = spawn(process.execPath, ['action/cli/main.ts', 'sync', '--local', '--json'], {
    cwd: stack.dir,
    env: { ...process.env, PORT: String(stack.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  if (code !== 0) throw new Error(`accelerando sync --local exited ${code}:\n${out}\n${err}`)
  return JSON.parse(out) as { synced: number; commits: { sha: string; subject: string }[] }
}

/** `git --git-dir .accelerando/origin.git <args>`, trimmed. */
export function originGit(stack: DevProcess, ...args: string[]): string {
  return execFileSync('git', ['--git-dir', join(stack.dir, '.accelerando', 'origin.git'), ...args], { encoding: 'utf8' }).trim()
}

/** Polls `check` until it answers something other than undefined. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000)
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(options.intervalMs ?? 250)
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
