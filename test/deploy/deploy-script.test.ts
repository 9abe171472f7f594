import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

// Cloudflare's API is the one thing that cannot run here: a fake `wrangler`, first on PATH, answers the way
// wrangler 4 does (`whoami --json` exits 1 with {"loggedIn":false}; `secret list` prints JSON) and logs its calls.
const SCRIPT = fileURLToPath(new URL('../../scripts/deploy.ts', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'accelerando-deploy-'))
const bin = join(dir, 'bin')
mkdirSync(bin)
writeFileSync(
  join(bin, 'wrangler'),
  `#!/bin/sh
echo "$*" >> "$FAKE_LOG"
case "$1 $2" in
  "whoami --json") printf '%s\\n' "$FAKE_WHOAMI"; exit "$FAKE_WHOAMI_STATUS" ;;
  "secret list") printf '%s\\n' "$FAKE_SECRETS"; printf '%s\\n' "$FAKE_SECRETS_ERROR" >&2; exit "$FAKE_SECRETS_STATUS" ;;
  "deploy ") echo "Deployed accelerando triggers"; exit "$FAKE_DEPLOY_STATUS" ;;
esac
echo "unexpected call: $*" >&2; exit 99
`,
)
chmodSync(join(bin, 'wrangler'), 0o755)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

const LOGGED_IN = { FAKE_WHOAMI: '{"loggedIn":true,"email":"ops@acme.example","accounts":[]}', FAKE_WHOAMI_STATUS: '0' }
const WITH_SECRET = { FAKE_SECRETS: '[{"name":"AUTH_SECRET","type":"secret_text"}]', FAKE_SECRETS_ERROR: '', FAKE_SECRETS_STATUS: '0' }

let run = 0
function deploy(fake: Record<string, string>, path = `${bin}:/usr/bin:/bin`) {
  const log = join(dir, `calls-${++run}.log`)
  writeFileSync(log, '')
  const result = spawnSync(process.execPath, [SCRIPT], {
    encoding: 'utf8',
    env: { PATH: path, HOME: dir, FAKE_LOG: log, FAKE_DEPLOY_STATUS: '0', ...fake },
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls: readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) }
}

describe('npm run deploy (scripts/deploy.ts)', () => {
  it('checks the login and the secret, then runs wrangler deploy with its output and exit code', () => {
    const ok = deploy({ ...LOGGED_IN, ...WITH_SECRET })
    expect(ok.stderr).toBe('')
    expect(ok).toMatchObject({ status: 0, calls: ['whoami --json', 'secret list --format json', 'deploy'] })
    expect(ok.stdout).toContain('Deployed accelerando')

    expect(deploy({ ...LOGGED_IN, ...WITH_SECRET, FAKE_DEPLOY_STATUS: '3' }).status).toBe(3)
  })

  it('stops before deploying when wrangler is not logged in', () => {
    const result = deploy({ FAKE_WHOAMI: '{"loggedIn":false}', FAKE_WHOAMI_STATUS: '1', ...WITH_SECRET })
    expect(result.status).toBe(1)
    expect(result.stderr).toContain('wrangler is not logged in to Cloudflare: run `npx wrangler login` (or set CLOUDFLARE_API_TOKEN)')
    expect(result.calls).toEqual(['whoami --json'])
  })

  it('stops before deploying when AUTH_SECRET is not set on the Worker', () => {
    const result = deploy({ ...LOGGED_IN, ...WITH_SECRET, FAKE_SECRETS: '[{"name":"OTHER","type":"secret_text"}]' })
    expect(result.status).toBe(1)
    expect(result.stderr).toContain('AUTH_SECRET is not set on the Worker: run `npx wrangler secret put AUTH_SECRET`')
    expect(result.calls).not.toContain('deploy')
  })

  it('says why the secret could not be checked when the Worker does not exist yet', () => {
    const result = deploy({
      ...LOGGED_IN,
      FAKE_SECRETS: '',
      FAKE_SECRETS_ERROR: '\n✘ [ERROR] This Worker does not exist on your account. [code: 10007]',
      FAKE_SECRETS_STATUS: '1',
    })
    expect(result.status).toBe(1)
    expect(result.stderr).toContain('AUTH_SECRET could not be checked (✘ [ERROR] This Worker does not exist on your account. [code: 10007])')
    expect(result.stderr).toContain('it also creates the Worker on a first deploy')
    expect(result.calls).not.toContain('deploy')
  })

  it('says so when there is no wrangler to run', () => {
    const result = deploy({}, join(dir, 'empty'))
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/^npm run deploy: could not run wrangler \(.*ENOENT.*\): run npm install first/m)
  })
})
