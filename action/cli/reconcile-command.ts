/**
 * What `accelerando sync`, `replay` and `verify` share: the bucket and repository options, the
 * development shortcut `--local`, and printing a result. Each command file adds its own options.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { consoleLogger, countsOf, runMode, type ModeResult, type RunSettings } from '../engine/index.ts'
import { Git } from '../git.ts'
import { InputError, isoTime } from '../input-helper.ts'
import { localBucketOptions, localS3Endpoint } from '../local-bucket.ts'
import { progressReporter, stderrOutput, type ProgressReporter } from '../progress.ts'
import { S3ObjectStore, type S3ObjectStoreOptions } from '../s3-object-store.ts'
import { UsageError } from './command.ts'
import { findProjectDir } from './project-dir.ts'

/** Where a command runs: injectable so tests need neither the real environment nor this checkout. */
export interface CliEnvironment {
  env: Record<string, string | undefined>
  cwd: string
  /** Where `wrangler.jsonc` and `.accelerando/` are, for `--local`. */
  projectDir: string
  out: (line: string) => void
  err: (line: string) => void
  /** GitHub's API is reached through this (`dispatch`); the global fetch when absent. */
  fetch?: typeof fetch
  /** Where long runs show how far they are; none when absent. */
  progress?: ProgressReporter
}

/** The real process: the result on stdout; progress, log lines and warnings on stderr (a live line on a terminal). */
export function processEnvironment(): CliEnvironment {
  const progress = progressReporter(stderrOutput(process.stderr))
  return {
    env: process.env,
    cwd: process.cwd(),
    projectDir: findProjectDir(),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => progress.print(line),
    progress,
  }
}

export const COMMON_USAGE =
  '  --endpoint <url> | --account-id <id>   the S3 endpoint, or R2\'s for that account (R2_ENDPOINT, R2_ACCOUNT_ID)\n' +
  '  --bucket <name>                        (R2_BUCKET)\n' +
  '  --access-key-id <id>                   (R2_ACCESS_KEY_ID)\n' +
  '  --secret-access-key <secret>           (R2_SECRET_ACCESS_KEY; prefer the variable: flags show in ps)\n' +
  '  --local                                the `npm start` bucket: http://127.0.0.1:${PORT:-8787}/cdn-cgi/local/r2/s3,\n' +
  '                                         credentials from wrangler.jsonc, --repo .accelerando/work\n' +
  '  --repo <path>                          the data repository\'s clone (default: the current directory)\n' +
  '  --branch <name>  --remote <name>       default: the checked-out branch, origin\n' +
  '  --committer-name <name>  --committer-email <email>\n' +
  '  --dry-run                              report only; write nothing\n' +
  '  --json                                 print the result as JSON\n' +
  '  --verbose'

const COMMON_OPTIONS = {
  endpoint: { type: 'string' },
  'account-id': { type: 'string' },
  bucket: { type: 'string' },
  'access-key-id': { type: 'string' },
  'secret-access-key': { type: 'string' },
  local: { type: 'boolean' },
  repo: { type: 'string' },
  branch: { type: 'string' },
  remote: { type: 'string' },
  'committer-name': { type: 'string' },
  'committer-email': { type: 'string' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
} as const satisfies NonNullable<ParseArgsConfig['options']>

type Options = NonNullable<ParseArgsConfig['options']>
type Values = Record<string, string | boolean | undefined>

/**
 * Parses `args` with the common options plus `extra`, runs the engine in `mode`, prints the
 * outcome, and returns the exit code `exitCode(result)` decides (0 by default).
 */
export async function runReconcileCommand(
  args: string[],
  environment: CliEnvironment,
  command: { extra: Options; settings: (values: Values) => RunSettings; exitCode?: (result: ModeResult) => number },
): Promise<number> {
  const { values } = parseArgs({ args, strict: true, allowPositionals: false, options: { ...COMMON_OPTIONS, ...command.extra } })
  const all = values as Values
  const settings = wrapInputErrors(() => command.settings(all))
  settings.dryRun = all['dry-run'] === true
  const { bucket, repo } = await bucketAndRepo(all, environment)
  const objects = new S3ObjectStore(bucket)
  try {
    const committerName = text(all, 'committer-name')
    const committerEmail = text(all, 'committer-email')
    const git = new Git(repo)
    const result = await runMode(
      {
        objects,
        git,
        branch: text(all, 'branch'),
        remote: text(all, 'remote'),
        ...(committerName === undefined && committerEmail === undefined
          ? {}
          : { committer: { name: committerName ?? 'accelerando-syncer', email: committerEmail ?? 'accelerando-syncer@users.noreply.github.com' } }),
        repository: await repositoryUrl(git, text(all, 'remote') ?? 'origin'),
        // Progress goes to stderr, so stdout carries only the result (and stays parseable with --json).
        logger: all.json
          ? { info: () => {}, warning: (message) => environment.err(`warning: ${message}`), debug: () => {} }
          : consoleLogger({ verbose: all.verbose === true, out: environment.err, err: environment.err }),
        ...(environment.progress === undefined ? {} : { progress: environment.progress }),
      },
      settings,
    )
    environment.progress?.close()
    if (all.json) environment.out(JSON.stringify(result, null, 2))
    else for (const line of describe(result)) environment.out(line)
    return command.exitCode?.(result) ?? 0
  } finally {
    environment.progress?.close()
    objects.destroy()
  }
}

function text(values: Values, name: string): string | undefined {
  const value = values[name]
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
}

/** `--since`/`--until` and the like: an input error becomes a usage error (exit code 2). */
export function wrapInputErrors<T>(fn: () => T): T {
  try {
    return fn()
  } catch (error) {
    if (error instanceof InputError) throw new UsageError(error.message.replace(/^input "([^"]+)"/, '--$1'))
    throw error
  }
}

export function timeOption(values: Values, name: string): Date | undefined {
  const value = text(values, name)
  return value === undefined ? undefined : isoTime(name, value)
}

async function bucketAndRepo(values: Values, environment: CliEnvironment): Promise<{ bucket: S3ObjectStoreOptions; repo: string }> {
  const { env, cwd } = environment
  const repoFlag = text(values, 'repo')
  if (values.local === true) {
    const local = await localBucketOptions({ projectDir: environment.projectDir, endpoint: text(values, 'endpoint') ?? localS3Endpoint(env.PORT ?? 8787) })
    const repo = resolve(cwd, repoFlag ?? resolve(environment.projectDir, '.accelerando', 'work'))
    if (repoFlag === undefined && !existsSync(repo)) throw new UsageError(`no ${repo} yet: \`npm start\` creates it (or pass --repo)`)
    return { bucket: local, repo }
  }
  const endpoint = text(values, 'endpoint') ?? env.R2_ENDPOINT
  const accountId = text(values, 'account-id') ?? env.R2_ACCOUNT_ID
  if (endpoint === undefined && accountId === undefined) throw new UsageError('give --endpoint or --account-id (or R2_ENDPOINT / R2_ACCOUNT_ID), or --local for the npm start bucket')
  const required = (flag: string, variable: string) => {
    const value = text(values, flag) ?? env[variable]
    if (value === undefined || value === '') throw new UsageError(`--${flag} (or ${variable}) is required`)
    return value
  }
  return {
    bucket: {
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(accountId === undefined ? {} : { accountId }),
      bucket: required('bucket', 'R2_BUCKET'),
      accessKeyId: required('access-key-id', 'R2_ACCESS_KEY_ID'),
      secretAccessKey: required('secret-access-key', 'R2_SECRET_ACCESS_KEY'),
    },
    repo: resolve(cwd, repoFlag ?? '.'),
  }
}

/**
 * The URL recorded in synced entries: the remote's, as a web URL when it is GitHub's
 * (`git@github.com:acme/books.git` → `https://github.com/acme/books`), credentials stripped;
 * a local path as a file: URL. Undefined when there is no such remote.
 */
export async function repositoryUrl(git: Git, remote: string): Promise<string | undefined> {
  const url = await git.config(`remote.${remote}.url`).catch(() => null)
  if (url === null) return undefined
  const scp = /^[^@/]+@([^:/]+):(.+?)(?:\.git)?$/.exec(url)
  if (scp !== null) return `https://${scp[1]}/${scp[2]}`
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    try {
      const parsed = new URL(url)
      parsed.username = ''
      parsed.password = ''
      if (parsed.protocol === 'ssh:') parsed.protocol = 'https:'
      return parsed.href.replace(/\.git$/, '')
    } catch {
      return undefined
    }
  }
  return new URL(`file://${resolve(git.cwd, url)}`).href
}

/** A few lines a person reads after a run. */
export function describe(result: ModeResult): string[] {
  const counts = countsOf(result)
  const head = counts.headSha === null ? 'no branch yet' : counts.headSha.slice(0, 12)
  const dry = result.dryRun ? ' (dry run: nothing written)' : ''
  const lines: string[] = []
  for (const commit of result.mode === 'verify' ? (result.repaired === null ? [] : [result.repaired]) : result.commits) {
    lines.push(`${commit.sha === '' ? 'would commit' : commit.sha.slice(0, 12)}  ${commit.subject}  (${commit.author}, ${commit.date})`)
  }
  switch (result.mode) {
    case 'sync':
      for (const item of result.quarantined) lines.push(`quarantined ${item.key}: ${item.reason}`)
      lines.push(`sync${dry}: ${counts.synced} synced, ${counts.commits} commit(s), ${result.alreadyCommitted} already on ${result.branch}, ${counts.quarantined} quarantined, ${counts.remaining} remaining; ${result.branch} at ${head}`)
      break
    case 'replay':
      for (const item of result.skipped) lines.push(`skipped ${item.key}: ${item.reason}`)
      lines.push(`replay${dry}: ${result.replayed} of ${result.considered} synced entries replayed, ${result.relinked} relinked; ${result.branch} at ${head}`)
      break
    case 'verify':
      for (const item of result.drift) lines.push(`drift  ${item.kind.padEnd(17)} ${item.path}${item.kind === 'misplaced' ? ` (in git at ${item.gitPath})` : ''}`)
      for (const item of result.integrity) lines.push(`books  ${item.rule.padEnd(17)} ${item.path ?? ''} ${item.message}`)
      for (const item of result.indexes.problems) lines.push(`index  ${item.kind.padEnd(17)} ${item.key}`)
      for (const item of result.ledger.problems) lines.push(`ledger ${item.kind.padEnd(17)} ${item.tenant}${item.month === undefined ? '' : ` ${item.month}`}`)
      lines.push(`indexes: ${result.indexes.entries} entr${result.indexes.entries === 1 ? 'y' : 'ies'}, ${result.indexes.problems.length} problem(s)${result.indexes.repaired > 0 ? `, ${result.indexes.repaired} repaired` : ''}${result.indexes.marked.length > 0 ? `; complete: ${result.indexes.marked.join(', ')}` : ''}`)
      lines.push(`ledger summaries: ${result.ledger.checked} checked, ${result.ledger.problems.length} problem(s)${result.ledger.rebuilt.length > 0 ? `; rebuilt: ${result.ledger.rebuilt.join(', ')}` : ''}`)
      lines.push(
        `verify${dry}: ${result.bucketFiles} file(s) in the bucket, ${result.gitFiles} on ${result.branch}, ${result.pendingEntries} pending entr${result.pendingEntries === 1 ? 'y' : 'ies'}; ` +
          `${counts.drift} drifted, ${result.integrity.length} integrity problem(s)${result.repaired === null ? '' : ', repaired'}; ${result.branch} at ${head}`,
      )
      break
  }
  return lines
}
