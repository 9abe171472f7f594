/**
 * The whole system in one process: the Worker, built the way it is deployed (`wrangler deploy --dry-run`), runs
 * in one Miniflare instance that also serves the Worker's bucket over the S3 API — the path the Action reads.
 * HTTP tool calls go in one side, and the Action's engine reads the very same bucket from the other.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Miniflare } from 'miniflare'
import { S3ObjectStore } from '../../../action/s3-object-store.ts'
import { mintToken, type TokenIdentity } from '../../../shared/auth/token-claims.ts'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const BINDING = 'BUCKET'

export interface Stack {
  /** The Worker's origin, `http://127.0.0.1:<port>`. */
  origin: string
  /** The bucket over the S3 API (what the Action uses). */
  s3: S3ObjectStore
  endpoint: string
  bucket: string
  secret: string
  /** The Worker's own log lines (console.log/error), kept here rather than printed. */
  logs: { level: string; message: string }[]
  /** An HTTP request to the Worker over a real socket. */
  fetch(path: string, init?: RequestInit): Promise<Response>
  token(identity: TokenIdentity, options?: { secret?: string; expiresInSeconds?: number; now?: Date }): Promise<string>
  dispose(): Promise<void>
}

/** Builds the Worker bundle into a temporary directory (offline: no metrics, no Cloudflare fetches). */
export async function buildWorker(): Promise<{ dir: string; main: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'accelerando-build-'))
  const outdir = join(dir, 'out')
  const wrangler = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js')
  const env = {
    ...process.env,
    WRANGLER_SEND_METRICS: 'false',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    // No banner, hence no npm registry check for a newer wrangler.
    WRANGLER_HIDE_BANNER: 'true',
    WRANGLER_LOG_PATH: join(dir, 'logs'),
    NO_COLOR: '1',
  }
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [wrangler, 'deploy', '--dry-run', '--outdir', outdir], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let text = ''
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrangler deploy --dry-run failed (${code}):\n${text}`))))
  })
  if (!output.includes('--dry-run: exiting now')) throw new Error(`unexpected wrangler output:\n${output}`)
  return { dir, main: join(outdir, 'index.js') }
}

/** Builds the Worker and starts it in Miniflare, its bucket also served over S3. Call `dispose()` in `afterAll`. */
export async function startStack(options: { secret?: string } = {}): Promise<Stack> {
  const secret = options.secret ?? 'invariants-secret'
  const build = await buildWorker()
  const bucket = 'accelerando-invariants'
  const accessKeyId = 'invariants-access-key'
  const secretAccessKey = 'invariants-secret-key'
  const logs: { level: string; message: string }[] = []
  const mf = new Miniflare({
    logRequests: false,
    handleStructuredLogs: ({ level, message }) => void logs.push({ level, message }),
    workers: [
      {
        config: {
          name: 'accelerando',
          compatibilityDate: '2026-10-01',
          compatibilityFlags: ['nodejs_compat'],
          manifest: {
            mainModule: 'index.js',
            modulesRoot: join(build.dir, 'out'),
            modules: { 'index.js': { type: 'esm', contents: await readFile(build.main, 'utf8') } },
          },
          env: {
            [BINDING]: { type: 'r2', name: bucket, dev: { remote: false, experimentalS3Credentials: { accessKeyId, secretAccessKey } } },
            AUTH_SECRET: { type: 'text', value: secret },
          },
        },
      },
    ],
  })
  const url = await mf.ready
  const origin = url.origin
  const endpoint = new URL('/cdn-cgi/local/r2/s3', url).href
  const s3 = new S3ObjectStore({ endpoint, bucket, accessKeyId, secretAccessKey, retry: { attempts: 3, baseMs: 5, maxMs: 20 } })
  return {
    origin,
    s3,
    endpoint,
    bucket,
    secret,
    logs,
    fetch: (path, init) => fetch(`${origin}${path}`, init),
    token: (identity, tokenOptions = {}) =>
      mintToken(identity, tokenOptions.secret ?? secret, { expiresInSeconds: tokenOptions.expiresInSeconds ?? 3600, ...(tokenOptions.now === undefined ? {} : { now: tokenOptions.now }) }),
    async dispose() {
      s3.destroy()
      await mf.dispose()
      await rm(build.dir, { recursive: true, force: true })
    },
  }
}
