import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { parseArgs } from 'node:util'
import { mintToken } from '../../shared/auth/token-claims.ts'
import { UsageError, type Command } from './command.ts'
import { runSyncLoop } from '../engine/sync-loop.ts'
import { ensureAuthSecret } from './dev-vars.ts'
import { findProjectDir } from './project-dir.ts'

const READY_TIMEOUT_MS = 60_000
const STOP_GRACE_MS = 5_000
const TOKEN_DAYS = 30

/** What the running stack offers; handed to `onReady` so more can be started alongside (the sync loop). */
export interface DevStack {
  url: string
  /** wrangler's local S3 endpoint for the bucket (credentials in wrangler.jsonc). */
  s3Endpoint: string
  /** A write token for tenant `acme`. */
  token: string
  projectDir: string
  stateDir: string
  logDir: string
  /** Stops whatever `onReady` started, then wrangler. Safe to call twice. */
  stop(): Promise<void>
  /** Settles with wrangler's exit code when it exits, for whatever reason. */
  exited: Promise<number | null>
}

export interface DevStackOptions {
  projectDir?: string
  /** Default: `PORT`, else 8787. */
  port?: number
  /** Where the local bucket lives. Default: `ACCELERANDO_STATE_DIR`, else `.wrangler/state`. */
  stateDir?: string
  /** Runs once the Worker answers; may return a function that `stop()` calls first. */
  onReady?: (stack: DevStack) => void | (() => void | Promise<void>) | Promise<void | (() => void | Promise<void>)>
  /** Where the banner goes. Default: stdout. */
  print?: (text: string) => void
}

/**
 * `wrangler dev` on 127.0.0.1, fully offline (no telemetry, no Cloudflare fetches), with the local bucket
 * served over S3 too. Resolves once `/health` answers, after printing the banner.
 *
 * @example
 * const stack = await startDevStack({ onReady: (stack) => startSyncLoop(stack.s3Endpoint) })
 */
export async function startDevStack(options: DevStackOptions = {}): Promise<DevStack> {
  const projectDir = options.projectDir ?? findProjectDir()
  const port = options.port ?? parsePort(process.env.PORT ?? '8787')
  const stateDir = options.stateDir ?? process.env.ACCELERANDO_STATE_DIR ?? join(projectDir, '.wrangler', 'state')
  const logDir = join(projectDir, '.wrangler', 'logs')
  const print = options.print ?? ((text: string) => process.stdout.write(text))
  mkdirSync(logDir, { recursive: true })

  const { secret, created } = ensureAuthSecret(join(projectDir, '.dev.vars'))
  const url = `http://127.0.0.1:${port}`
  // Minted before wrangler starts so the Worker can hand it to the dashboard (`GET /dev/token`, loopback only).
  // A variable given on the command line lives only as long as this process, unlike a line in .dev.vars.
  const token = await mintToken(
    { sub: 'dev', name: 'Developer', email: 'dev@acme.localhost', tenant: 'acme', scope: 'write' },
    secret,
    { expiresInSeconds: TOKEN_DAYS * 86_400 },
  )
  const wranglerBin = resolveWranglerBin(projectDir)
  const log = createWriteStream(join(logDir, 'wrangler-dev.log'), { flags: 'a' })
  const child = spawn(
    process.execPath,
    [
      wranglerBin,
      'dev',
      '--ip', '127.0.0.1',
      '--port', String(port),
      '--persist-to', stateDir,
      '--show-interactive-dev-session=false',
      '--test-scheduled',
      '--var', `DEV_TOKEN:${token}`,
      // The Worker then refuses any Host but a loopback name (DNS rebinding; worker/http/origin-guard.ts).
      '--var', 'LOOPBACK_ONLY:true',
    ],
    {
      cwd: projectDir,
      // Its own process group, so stopping it also stops the workerd it starts.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: wranglerEnv(logDir),
    },
  )
  // Until the banner, wrangler's chatter goes to the log only; after it, the Worker's own logs show too.
  let echo = false
  let recent = ''
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      log.write(chunk)
      recent = (recent + chunk.toString()).slice(-4000)
      if (echo) process.stderr.write(chunk)
    })
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))

  let disposeReady: (() => void | Promise<void>) | undefined
  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      await disposeReady?.()
      await stopProcessGroup(child, exited)
      log.end()
    })())

  try {
    await waitForHealth(url, exited, () => recent)
    const stack: DevStack = { url, s3Endpoint: `${url}/cdn-cgi/local/r2/s3`, token, projectDir, stateDir, logDir, stop, exited }
    const dashboard = await fetch(`${url}/`).then((response) => response.ok, () => false)
    print(banner(stack, { dashboard, createdSecret: created }))
    echo = true
    const dispose = await options.onReady?.(stack)
    if (typeof dispose === 'function') disposeReady = dispose
    return stack
  } catch (error) {
    await stop()
    throw error
  }
}

/**
 * The production sync engine in a loop, through wrangler's S3 endpoint, into `.accelerando/`: the rest of the
 * write path (tool call → pending entry → commit) on one machine.
 */
async function startLocalSync(stack: DevStack): Promise<() => Promise<void>> {
  const controller = new AbortController()
  const loop = runSyncLoop({ projectDir: stack.projectDir, endpoint: stack.s3Endpoint, signal: controller.signal }).catch((error: unknown) => {
    process.stderr.write(`sync loop stopped: ${error instanceof Error ? error.message : String(error)}\n`)
  })
  return async () => {
    controller.abort()
    await loop
  }
}

function banner(stack: DevStack, notes: { dashboard: boolean; createdSecret: boolean }): string {
  const where = (path: string) => relative(stack.projectDir, path) || '.'
  const lines = [
    '',
    'Accelerando is running locally (wrangler dev, offline).',
    '',
    `  Worker      ${stack.url}`,
    ...(notes.dashboard ? [`  Dashboard   ${stack.url}/  (signs in with the token below)`] : []),
    `  Tools       ${stack.url}/tools`,
    `  MCP         ${stack.url}/mcp`,
    `  Activity    ${stack.url}/activity`,
    `  R2 over S3  ${stack.s3Endpoint}`,
    `  Bucket      ${where(stack.stateDir)}`,
    `  Logs        ${where(stack.logDir)}`,
    ...(notes.createdSecret ? ['', 'Created .dev.vars with a new AUTH_SECRET.'] : []),
    '',
    `Write token for tenant acme (${TOKEN_DAYS} days):`,
    `  ${stack.token}`,
    '',
    'Try it:',
    `  curl -s -X POST ${stack.url}/tools/create_customer \\`,
    `    -H "Authorization: Bearer <token>" -H 'Content-Type: application/json' -d '{"name":"Ada Lovelace"}'`,
    '',
    'Ctrl-C stops it.',
    '',
  ]
  return `${lines.join('\n')}\n`
}

async function waitForHealth(url: string, exited: Promise<number | null>, recent: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  let gone = false
  void exited.then(() => {
    gone = true
  })
  while (Date.now() < deadline) {
    if (gone) throw new Error(`wrangler dev exited before the Worker answered:\n${recent()}`)
    const healthy = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) }).then((response) => response.ok, () => false)
    if (healthy) return
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`the Worker did not answer ${url}/health within ${READY_TIMEOUT_MS / 1000} s:\n${recent()}`)
}

/** SIGTERM to wrangler's process group, SIGKILL if it is still there after a grace period. */
async function stopProcessGroup(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), signal)
    } catch {
      // Already gone.
    }
  }
  signalGroup('SIGTERM')
  const timer = setTimeout(() => signalGroup('SIGKILL'), STOP_GRACE_MS)
  await exited
  clearTimeout(timer)
}

/** Offline: no telemetry, no fetch of Cloudflare's request metadata. The Worker's secret comes from `.dev.vars` only. */
function wranglerEnv(logDir: string): NodeJS.ProcessEnv {
  const { AUTH_SECRET: _shellSecret, ...env } = process.env
  return { ...env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_LOG_PATH: logDir }
}

/** wrangler's CLI script (its package exports do not expose it; its `bin` field names it). */
function resolveWranglerBin(projectDir: string): string {
  const manifestPath = createRequire(join(projectDir, 'package.json')).resolve('wrangler/package.json')
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { bin: Record<string, string> }
  return join(dirname(manifestPath), manifest.bin.wrangler as string)
}

function parsePort(text: string): number {
  const port = Number(text)
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new UsageError(`PORT must be a port number, got ${JSON.stringify(text)}`)
  return port
}

export const devCommand: Command = {
  summary: 'run the Worker locally (what `npm start` runs)',
  usage:
    'accelerando dev [--port <port>] [--no-sync]\n' +
    'Runs wrangler dev on 127.0.0.1 (PORT or 8787), creates .dev.vars with a random AUTH_SECRET if missing, and\n' +
    'prints a write token for tenant acme. ACCELERANDO_STATE_DIR moves the local bucket (default .wrangler/state).\n' +
    'Unless --no-sync, the sync engine runs every ACCELERANDO_SYNC_INTERVAL ms (default 5000) through the local S3\n' +
    'endpoint into .accelerando/work, pushing to the bare repository .accelerando/origin.git.',
  async run(args) {
    const { values } = parseArgs({ args, strict: true, options: { port: { type: 'string' }, 'no-sync': { type: 'boolean' } } })
    const stack = await startDevStack({
      ...(values.port === undefined ? {} : { port: parsePort(values.port) }),
      ...(values['no-sync'] === true ? {} : { onReady: startLocalSync }),
    })
    const shutdown = () => void stack.stop()
    process.once('SIGINT', shutdown)
    process.once('SIGTERM', shutdown)
    const code = await stack.exited
    await stack.stop()
    return code ?? 0
  },
}
