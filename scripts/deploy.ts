/**
 * `npm run deploy`: the wrangler part of a deploy, with the two mistakes that otherwise surface late or
 * obscurely checked first. Not logged in, wrangler would open a browser or fail mid-way; without AUTH_SECRET
 * it builds and uploads, then fails on an API error about an "inherit binding" (`secrets.required` in
 * wrangler.jsonc). The `wrangler` on PATH is used (npm puts the project's own first), so the checks are the
 * real commands; the bucket and the first secret are created by hand once (docs/deploy.md).
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const PROJECT_DIR = fileURLToPath(new URL('..', import.meta.url))
const REQUIRED_SECRET = 'AUTH_SECRET'

/** A step that cannot go on; the message says what to run. */
class DeployError extends Error {
  override name = 'DeployError'
}

interface WranglerResult {
  status: number | null
  stdout: string
  stderr: string
}

function wrangler(args: string[], options: SpawnSyncOptions = {}): WranglerResult {
  // No banner: the checks read wrangler's JSON from stdout.
  const result = spawnSync('wrangler', args, { cwd: PROJECT_DIR, encoding: 'utf8', env: { ...process.env, WRANGLER_HIDE_BANNER: 'true' }, ...options })
  if (result.error) throw new DeployError(`could not run wrangler (${result.error.message}): run npm install first, and deploy with npm run deploy`)
  return { status: result.status, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') }
}

/** `wrangler whoami --json` exits non-zero and says `"loggedIn": false` without credentials. */
function checkLoggedIn(): void {
  const result = wrangler(['whoami', '--json'])
  const answer = parseJson(result.stdout) as { loggedIn?: unknown } | undefined
  if (result.status !== 0 || answer?.loggedIn !== true) {
    throw new DeployError('wrangler is not logged in to Cloudflare: run `npx wrangler login` (or set CLOUDFLARE_API_TOKEN), then npm run deploy again')
  }
}

/** The secret must be on the Worker before the code that checks tokens with it goes live. */
function checkSecret(): void {
  const result = wrangler(['secret', 'list', '--format', 'json'])
  const secrets = parseJson(result.stdout)
  const names = Array.isArray(secrets) ? secrets.map((secret: { name?: unknown }) => secret?.name) : []
  if (result.status === 0 && names.includes(REQUIRED_SECRET)) return
  const reason = result.status === 0 ? 'is not set on the Worker' : `could not be checked (${firstLine(result.stderr || result.stdout) || `wrangler secret list exited ${result.status}`})`
  throw new DeployError(
    `${REQUIRED_SECRET} ${reason}: run \`npx wrangler secret put ${REQUIRED_SECRET}\` and give it a long random value ` +
      '(`openssl rand -base64 32`; it also creates the Worker on a first deploy), then npm run deploy again',
  )
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function firstLine(text: string): string {
  return text.split('\n').map((line) => line.trim()).find((line) => line !== '') ?? ''
}

try {
  checkLoggedIn()
  checkSecret()
  process.exitCode = wrangler(['deploy'], { stdio: 'inherit' }).status ?? 1
} catch (error) {
  if (!(error instanceof DeployError)) throw error
  console.error(`npm run deploy: ${error.message}`)
  process.exitCode = 1
}
