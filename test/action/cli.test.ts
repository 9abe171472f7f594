import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect } from 'vitest'
import { UsageError } from '../../action/cli/command.ts'
import { dispatchWorkflow, runDispatchCommand } from '../../action/cli/dispatch.ts'
import { repositoryUrl, type CliEnvironment } from '../../action/cli/reconcile-command.ts'
import { runReplayCommand } from '../../action/cli/replay.ts'
import { runSyncCommand } from '../../action/cli/sync.ts'
import { runVerifyCommand } from '../../action/cli/verify.ts'
import { Git } from '../../action/git.ts'
import { newId, recordKey } from '../../shared/keys.ts'
import { ERP_SCHEMA } from '../../shared/schema/index.ts'
import type { MiniflareR2 } from '../support/miniflare-r2.ts'
import { customerText, generateHistory, writePending, writeRecords } from './support/entries.ts'
import { reconcilerTest } from './support/reconciler-test.ts'
import { history } from './support/repos.ts'

type RecordingEnvironment = CliEnvironment & { lines: string[]; errors: string[] }

/** A CLI environment run in `cwd`, with `projectDir` as the project, that keeps what the command prints. */
function recordingEnvironment(cwd: string, projectDir: string, env: Record<string, string | undefined>, fetchImpl?: typeof fetch): RecordingEnvironment {
  const lines: string[] = []
  const errors: string[] = []
  return {
    env,
    cwd,
    projectDir,
    out: (line) => lines.push(line),
    err: (line) => errors.push(line),
    ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
    lines,
    errors,
  }
}

const it = reconcilerTest.extend(
  'environment',
  async ({ repos, scratchDir }) =>
    (env: Record<string, string | undefined> = {}, fetchImpl?: typeof fetch) =>
      recordingEnvironment(repos.work.cwd, scratchDir, env, fetchImpl),
)

const r2Env = (r2: MiniflareR2) => ({ R2_ENDPOINT: r2.endpoint, R2_BUCKET: r2.bucket, R2_ACCESS_KEY_ID: r2.accessKeyId, R2_SECRET_ACCESS_KEY: r2.secretAccessKey })

describe('accelerando sync | replay | verify', () => {
  it('syncs with credentials from the environment, in the current directory', async ({ r2, repos, environment }) => {
    const { entries } = await generateHistory(6)
    await writePending(r2.store, entries)
    const env = environment(r2Env(r2))
    expect(await runSyncCommand([], env)).toBe(0)
    expect(env.lines.at(-1)).toMatch(/^sync: 6 synced, 6 commit\(s\), 0 already on main, 0 quarantined, 0 remaining; main at [0-9a-f]{12}$/)
    expect(env.lines[0]).toMatch(new RegExp(`^[0-9a-f]{12}  ${entries[0]!.message.split('\n')[0]}  \\(${entries[0]!.author.name}, ${entries[0]!.ts}\\)$`))
    expect(await history(repos.origin)).toHaveLength(7)
  })

  it('--local reads the development endpoint and credentials from wrangler.jsonc', async ({ r2, repos, environment, scratchDir }) => {
    await writeFile(
      join(scratchDir, 'wrangler.jsonc'),
      `{
        // as the project's own file: comments, trailing commas
        "name": "accelerando", /* "r2_buckets": [] */
        "r2_buckets": [
          { "binding": "BUCKET", "bucket_name": "${r2.bucket}",
            "local_dev": { "experimental_s3_credentials": { "accessKeyId": "${r2.accessKeyId}", "secretAccessKey": "${r2.secretAccessKey}", }, },
          },
        ],
      }`,
    )
    const { entries } = await generateHistory(3)
    await writePending(r2.store, entries)
    const env = environment({ PORT: new URL(r2.endpoint).port })
    expect(await runSyncCommand(['--local', '--repo', repos.work.cwd, '--json'], env)).toBe(0)
    expect(JSON.parse(env.lines.join('\n'))).toMatchObject({ mode: 'sync', synced: 3 })

    // Without --repo, --local means the development loop's clone, which does not exist here.
    await expect(runSyncCommand(['--local'], environment({ PORT: '1' }))).rejects.toThrow(/npm start/)
  })

  it('verify exits 1 on drift and 0 once --repair fixed it', async ({ r2, repos, environment }) => {
    const { entries, finalFiles } = await generateHistory(5)
    await writePending(r2.store, entries)
    await writeRecords(r2.store, finalFiles)
    const flags = ['--endpoint', r2.endpoint, '--bucket', r2.bucket, '--access-key-id', r2.accessKeyId, '--secret-access-key', r2.secretAccessKey, '--repo', repos.work.cwd]
    expect(await runSyncCommand(flags, environment())).toBe(0)
    const id = newId()
    const stray = recordKey(ERP_SCHEMA, 'acme', 'Customer', id)
    await r2.store.put(stray, customerText('acme', id, 'Stray', '2026-06-25T10:00:00.000Z'))

    const found = environment()
    expect(await runVerifyCommand(flags, found)).toBe(1)
    expect(found.lines).toContain(`drift  missing-in-git    ${stray}`)
    const repaired = environment()
    expect(await runVerifyCommand([...flags, '--repair'], repaired)).toBe(0)
    expect(repaired.lines[0]).toMatch(/^[0-9a-f]{12}  reconcile: 1 files drifted  \(accelerando-syncer, /)
    expect(await runVerifyCommand(flags, environment())).toBe(0)
  })

  it('replay takes ISO times and refuses anything else as a usage error', async ({ r2, environment }) => {
    const env = environment(r2Env(r2))
    expect(await runReplayCommand(['--since', '2026-06-25', '--until', '2026-06-26T00:00:00Z'], env)).toBe(0)
    expect(env.lines.at(-1)).toMatch(/^replay: 0 of 0 synced entries replayed/)
    await expect(runReplayCommand(['--since', 'yesterday'], environment(r2Env(r2)))).rejects.toThrow(UsageError)
    await expect(runReplayCommand(['--since', 'yesterday'], environment(r2Env(r2)))).rejects.toThrow('--since must be an ISO-8601 time')
    await expect(runSyncCommand([], environment({}))).rejects.toThrow(/--endpoint or --account-id/)
    await expect(runSyncCommand(['--commit-mode', 'squash'], environment(r2Env(r2)))).rejects.toThrow(/--commit-mode must be one of per-entry, batch/)
  })

  it('records the remote as a web URL in synced entries', async ({ repos }) => {
    const git = new Git(repos.work.cwd)
    expect(await repositoryUrl(git, 'origin')).toBe(new URL(`file://${repos.origin.cwd}`).href)
    await git.config('remote.gh.url', 'git@github.com:acme/books.git')
    expect(await repositoryUrl(git, 'gh')).toBe('https://github.com/acme/books')
    await git.config('remote.token.url', 'https://x-access-token:secret@github.com/acme/books.git')
    expect(await repositoryUrl(git, 'token')).toBe('https://github.com/acme/books')
    expect(await repositoryUrl(git, 'missing')).toBeUndefined()
  })
})

describe('accelerando dispatch', () => {
  /** GitHub's API, as far as dispatch uses it. */
  function fakeGitHub(options: { runDetails?: boolean } = {}) {
    const calls: { method: string; url: string; body: unknown; auth: string | null }[] = []
    const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
      const request = new Request(input, init)
      const body = request.method === 'GET' ? undefined : await request.json()
      calls.push({ method: request.method, url: request.url, body, auth: request.headers.get('authorization') })
      const json = (status: number, data: unknown) => new Response(JSON.stringify(data), { status, headers: { 'content-type': 'application/json' } })
      if (request.method === 'GET' && request.url === 'https://api.github.com/repos/acme/books') return json(200, { default_branch: 'trunk' })
      if (request.method === 'POST' && request.url === 'https://api.github.com/repos/acme/books/actions/workflows/sync.yml/dispatches') {
        return options.runDetails
          ? json(200, { workflow_run_id: 42, run_url: 'https://api.github.com/repos/acme/books/actions/runs/42', html_url: 'https://github.com/acme/books/actions/runs/42' })
          : new Response(null, { status: 204 })
      }
      return json(404, { message: 'Not Found' })
    }) as typeof fetch
    return { calls, fetchImpl }
  }

  it('triggers the sync workflow on the default branch with the mode and range as inputs', async ({ environment }) => {
    const github = fakeGitHub({ runDetails: true })
    const env = environment({ GITHUB_TOKEN: 'ghp_test' }, github.fetchImpl)
    expect(await runDispatchCommand(['--repo', 'acme/books', '--mode', 'replay', '--since', '2026-06-01', '--until', '2026-06-30T23:59:59Z'], env)).toBe(0)
    expect(github.calls).toEqual([
      { method: 'GET', url: 'https://api.github.com/repos/acme/books', body: undefined, auth: 'token ghp_test' },
      {
        method: 'POST',
        url: 'https://api.github.com/repos/acme/books/actions/workflows/sync.yml/dispatches',
        body: { ref: 'trunk', inputs: { mode: 'replay', dry_run: 'false', repair: 'false', since: '2026-06-01', until: '2026-06-30T23:59:59Z' }, return_run_details: true },
        auth: 'token ghp_test',
      },
    ])
    expect(env.lines).toEqual(['dispatched sync.yml (mode replay) on acme/books@trunk', 'https://github.com/acme/books/actions/runs/42'])
  })

  it('--json prints what was dispatched, with a null run URL when GitHub does not report the run', async ({ environment }) => {
    const reported = environment({ GITHUB_TOKEN: 'ghp_test' }, fakeGitHub({ runDetails: true }).fetchImpl)
    expect(await runDispatchCommand(['--repo', 'acme/books', '--mode', 'verify', '--repair', '--json'], reported)).toBe(0)
    expect(JSON.parse(reported.lines.join('\n'))).toEqual({
      repository: 'acme/books',
      workflow: 'sync.yml',
      ref: 'trunk',
      inputs: { mode: 'verify', dry_run: 'false', repair: 'true' },
      runUrl: 'https://github.com/acme/books/actions/runs/42',
      workflowUrl: 'https://github.com/acme/books/actions/workflows/sync.yml',
    })
    const older = environment({ GITHUB_TOKEN: 'ghp_test' }, fakeGitHub().fetchImpl)
    expect(await runDispatchCommand(['--repo', 'acme/books', '--ref', 'main', '--json'], older)).toBe(0)
    expect(JSON.parse(older.lines.join('\n'))).toMatchObject({ ref: 'main', runUrl: null, workflowUrl: 'https://github.com/acme/books/actions/workflows/sync.yml' })
  })

  it('takes a branch and answers 204 from older servers with the workflow page', async () => {
    const github = fakeGitHub()
    const result = await dispatchWorkflow({ token: 't', repository: 'acme/books', ref: 'main', inputs: { mode: 'verify', repair: 'true' }, fetch: github.fetchImpl })
    expect(result).toEqual({ ref: 'main', runUrl: undefined, workflowUrl: 'https://github.com/acme/books/actions/workflows/sync.yml' })
    expect(github.calls.map((call) => call.method)).toEqual(['POST'])
  })

  it('refuses to run without a token, a repository or a known mode', async ({ environment }) => {
    await expect(runDispatchCommand(['--repo', 'acme/books'], environment({}))).rejects.toThrow(/GITHUB_TOKEN/)
    await expect(runDispatchCommand([], environment({ GITHUB_TOKEN: 't' }))).rejects.toThrow(/--repo/)
    await expect(runDispatchCommand(['--repo', 'acme/books', '--mode', 'merge'], environment({ GITHUB_TOKEN: 't' }))).rejects.toThrow(/--mode must be one of/)
    await expect(runDispatchCommand(['--repo', 'not a repo'], environment({ GITHUB_TOKEN: 't' }))).rejects.toThrow(/owner\/name/)
  })
})
