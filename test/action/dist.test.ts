import { spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { describe, expect } from 'vitest'
import { newId, pendingEntryKey } from '../../shared/keys.ts'
import type { MiniflareR2 } from '../support/miniflare-r2.ts'
import { generateHistory, writePending, writeRecords } from './support/entries.ts'
import { reconcilerTest } from './support/reconciler-test.ts'
import { history } from './support/repos.ts'

// The committed bundle, run the way a GitHub runner runs a `node24` action: inputs as INPUT_*
// variables (upper-cased, dashes kept), outputs and summary through files.
const BUNDLE = resolve(import.meta.dirname, '../../dist/index.js')

type ActionRun = { code: number | null; stdout: string; outputs: Record<string, string>; summary: string }

/** Runs the bundle with `workspace` as the checkout and `files` for the runner's output, summary and temp files. */
async function runBundle(workspace: string, files: string, inputs: Record<string, string>): Promise<ActionRun> {
  const outputFile = join(files, 'output')
  const summaryFile = join(files, 'summary')
  await writeFile(outputFile, '')
  await writeFile(summaryFile, '')
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? files,
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_WORKSPACE: workspace,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'acme/books',
    GITHUB_RUN_ID: '16042',
    RUNNER_TEMP: files,
  }
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  const child = spawn(process.execPath, [BUNDLE], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
  child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
  const code = await new Promise<number | null>((resolvePromise) => child.on('close', resolvePromise))
  return { code, stdout, outputs: parseOutputs(await readFile(outputFile, 'utf8')), summary: await readFile(summaryFile, 'utf8') }
}

/** GITHUB_OUTPUT's format: `name<<DELIMITER`, the value, the delimiter. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i]!)
    if (match === null) continue
    const value: string[] = []
    while (lines[++i] !== match[2]) value.push(lines[i]!)
    outputs[match[1]!] = value.join('\n')
  }
  return outputs
}

const credentials = (r2: MiniflareR2) => ({
  endpoint: r2.endpoint,
  bucket: r2.bucket,
  'access-key-id': r2.accessKeyId,
  'secret-access-key': r2.secretAccessKey,
})

const it = reconcilerTest.extend('runAction', async ({ repos, scratchDir }) => (inputs: Record<string, string>) => runBundle(repos.work.cwd, scratchDir, inputs))

describe('dist/index.js, run as GitHub runs it', () => {
  it('syncs, sets its outputs, writes the job summary and warns about a quarantined entry', async ({ r2, repos, runAction }) => {
    const { entries, finalFiles } = await generateHistory(9)
    await writePending(r2.store, entries)
    await writeRecords(r2.store, finalFiles)
    const corrupt = pendingEntryKey('acme', '2026-06-25T09:00:00.000Z', newId(new Date('2026-06-25T09:00:00.000Z')))
    await r2.store.put(corrupt, '{"v":1}')

    const { code, stdout, outputs, summary } = await runAction({ ...credentials(r2), mode: 'sync', 'max-entries': '8' })
    expect(code, stdout).toBe(0)
    const head = await repos.origin.revParse('main')
    expect(outputs).toEqual({ synced: '7', commits: '7', quarantined: '1', remaining: '2', drift: '0', 'head-sha': head })
    expect(stdout).toContain(`::add-mask::${r2.secretAccessKey}`)
    expect(stdout.replaceAll(`::add-mask::${r2.secretAccessKey}`, '')).not.toContain(r2.secretAccessKey)
    expect(stdout).toMatch(/::warning::quarantined commits\/acme\/\S+: /)
    expect(stdout).toContain('::warning::1 pending entry was quarantined; see the job summary at https://github.com/acme/books/actions/runs/16042')
    // A workflow log is no terminal: each phase as a plain line, with its count, time and rate.
    expect(stdout).toMatch(/^reading pending entries: 8\/8 in \d+\.\d s \([\d.,]+\/s\)$/m)
    expect(stdout).not.toContain('\r')
    expect(summary).toContain('<h2>Accelerando sync</h2>')
    expect(summary).toContain(`<a href="https://github.com/acme/books/commit/${head}"><code>${head.slice(0, 12)}</code></a>`)
    expect(summary).toContain('<h3>Quarantined</h3>')
    expect((await history(repos.origin)).slice(1).map((commit) => commit.authorName)).toEqual(entries.slice(0, 7).map((entry) => entry.author.name))

    const verify = await runAction({ ...credentials(r2), mode: 'verify' })
    expect(verify.code, verify.stdout).toBe(0)
    expect(verify.outputs).toMatchObject({ drift: '0', commits: '0', 'head-sha': head })
  })

  it('fails the step with a message that says what to check', async ({ r2, runAction }) => {
    const { code, stdout, outputs } = await runAction({ ...credentials(r2), 'secret-access-key': 'wrong' })
    expect(code).toBe(1)
    expect(stdout).toMatch(/::error::S3 ListObjectsV2 of .* failed: HTTP 403.*Check the access key id and secret access key/)
    expect(outputs).toEqual({})
  })

  it('refuses an input it cannot use', async ({ r2, runAction }) => {
    const { code, stdout } = await runAction({ ...credentials(r2), mode: 'rebase' })
    expect(code).toBe(1)
    expect(stdout).toContain('::error::input "mode" must be one of sync, replay, verify; got "rebase"')
  })
})
