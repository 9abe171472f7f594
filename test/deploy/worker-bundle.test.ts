import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'

// What `wrangler deploy` would upload, built the way it builds it, with no account and no network: the dry run
// stops before any call to Cloudflare. The budget is on the gzipped script, which is what Cloudflare's size limit
// and the Worker's start-up time follow.
const PROJECT_DIR = fileURLToPath(new URL('../..', import.meta.url))
const WRANGLER = join(PROJECT_DIR, 'node_modules', 'wrangler', 'bin', 'wrangler.js')
const GZIP_BUDGET_KIB = 160

type Metafile = { outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }> }

const outDir = await mkdtemp(join(tmpdir(), 'accelerando-bundle-'))
afterAll(() => rm(outDir, { recursive: true, force: true }))

async function dryRunDeploy(): Promise<{ code: number | null; output: string }> {
  const { CLOUDFLARE_API_TOKEN: _token, CLOUDFLARE_ACCOUNT_ID: _account, ...env } = process.env
  const child = spawn(process.execPath, [WRANGLER, 'deploy', '--dry-run', '--outdir', outDir, '--metafile', join(outDir, 'meta.json')], {
    cwd: PROJECT_DIR,
    env: { ...env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_HIDE_BANNER: 'true', WRANGLER_LOG_PATH: outDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  return { code, output }
}

describe('the Worker bundle (wrangler deploy --dry-run)', () => {
  it(`builds offline, within ${GZIP_BUDGET_KIB} KiB gzipped, without code that can never run`, async () => {
    const { code, output } = await dryRunDeploy()
    expect(code, output).toBe(0)
    expect(output).toContain('--dry-run: exiting now.')

    const script = await readFile(join(outDir, 'index.js'))
    const gzipKib = gzipSync(script).length / 1024
    console.log(`Worker bundle: ${(script.length / 1024).toFixed(1)} KiB, ${gzipKib.toFixed(1)} KiB gzipped (budget ${GZIP_BUDGET_KIB} KiB)`)
    expect(gzipKib).toBeLessThanOrEqual(GZIP_BUDGET_KIB)

    // What esbuild put in, by source file: zod's locales beyond English (kept whole by a single
    // `import { z } from 'zod'`), the MCP SDK's ajv validator (aliased out in wrangler.jsonc) and any other JSON
    // Schema validator (the MCP server needs none: it never elicits) must not be there.
    const meta = JSON.parse(await readFile(join(outDir, 'meta.json'), 'utf8')) as Metafile
    const inputs = Object.entries(meta.outputs).flatMap(([, bundle]) => Object.keys(bundle.inputs))
    expect(inputs.filter((path) => /node_modules\/zod\/.*\/locales\/(?!en\.js)/.test(path))).toEqual([])
    expect(inputs.filter((path) => /node_modules\/(ajv|ajv-formats|fast-uri|@cfworker\/json-schema)\//.test(path))).toEqual([])
    expect(inputs.some((path) => path.endsWith('worker/build/ajv-unavailable.ts'))).toBe(true)
  })
})
