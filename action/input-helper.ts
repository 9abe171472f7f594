/**
 * The Action's inputs, read once and checked, as a typed settings object. Nothing else in the
 * Action reads an input; the engine never sees @actions/core.
 */
import { COMMIT_MODES, DEFAULT_COMMITTER, MODES, type RunSettings } from './engine/index.ts'
import type { Identity } from './fast-import.ts'
import type { S3ObjectStoreOptions } from './s3-object-store.ts'

export interface ActionSettings {
  bucket: Pick<S3ObjectStoreOptions, 'endpoint' | 'accountId' | 'bucket' | 'accessKeyId' | 'secretAccessKey'>
  run: RunSettings
  /** Undefined: the branch checked out at `repositoryPath`. */
  branch: string | undefined
  committer: Identity
  repositoryPath: string
  /** The data repository's web URL, recorded in synced entries. */
  repository: string | undefined
}

/** An input that cannot be used as given; the message names it. */
export class InputError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InputError'
  }
}

/** `core.getInput`'s shape: the trimmed value, '' when unset. */
export type ReadInput = (name: string) => string

/** Where the Action runs, for the defaults that are not inputs. */
export interface RunnerDefaults {
  /** The runner's checkout (GITHUB_WORKSPACE): `repository-path`'s default. */
  workspace: string | undefined
  /** The data repository's web URL (`gitHubRunOf(context).repositoryUrl`). */
  repositoryUrl: string | undefined
}

/**
 * @example
 * const settings = readSettings((name) => core.getInput(name), { workspace: process.env.GITHUB_WORKSPACE, repositoryUrl })
 */
export function readSettings(read: ReadInput, runner: RunnerDefaults): ActionSettings {
  const optional = (name: string) => read(name).trim() || undefined
  const required = (name: string) => {
    const value = optional(name)
    if (value === undefined) throw new InputError(`input "${name}" is required`)
    return value
  }

  const endpoint = optional('endpoint')
  const accountId = optional('account-id')
  if (endpoint === undefined && accountId === undefined) throw new InputError('set either "endpoint" or "account-id" (R2\'s endpoint is https://<account-id>.r2.cloudflarestorage.com)')
  if (endpoint !== undefined && !/^https?:\/\/\S+$/.test(endpoint)) throw new InputError(`input "endpoint" must be an http(s) URL, got ${JSON.stringify(endpoint)}`)

  const mode = oneOf('mode', optional('mode') ?? 'sync', MODES)
  const commitMode = oneOf('commit-mode', optional('commit-mode') ?? 'per-entry', COMMIT_MODES)
  const run: RunSettings = {
    mode,
    dryRun: bool('dry-run', optional('dry-run')),
    commitMode,
    repair: bool('repair', optional('repair')),
  }
  const maxEntries = optional('max-entries')
  if (maxEntries !== undefined) run.maxEntries = positiveInteger('max-entries', maxEntries)
  const since = optional('since')
  if (since !== undefined) run.since = isoTime('since', since)
  const until = optional('until')
  if (until !== undefined) run.until = isoTime('until', until)

  return {
    bucket: {
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(accountId === undefined ? {} : { accountId }),
      bucket: required('bucket'),
      accessKeyId: required('access-key-id'),
      secretAccessKey: required('secret-access-key'),
    },
    run,
    branch: optional('branch'),
    committer: { name: optional('committer-name') ?? DEFAULT_COMMITTER.name, email: optional('committer-email') ?? DEFAULT_COMMITTER.email },
    repositoryPath: optional('repository-path') ?? runner.workspace ?? process.cwd(),
    repository: runner.repositoryUrl,
  }
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new InputError(`input "${name}" must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`)
  return value as T
}

/** YAML 1.2 core-schema booleans, as `core.getBooleanInput` accepts them; empty is false. */
function bool(name: string, value: string | undefined): boolean {
  if (value === undefined) return false
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  throw new InputError(`input "${name}" must be true or false; got ${JSON.stringify(value)}`)
}

function positiveInteger(name: string, value: string): number {
  if (!/^[1-9][0-9]*$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InputError(`input "${name}" must be a positive whole number; got ${JSON.stringify(value)}`)
  return Number(value)
}

/**
 * ISO-8601 with at least a date (`2026-06-25`, `2026-06-25T16:54:37Z`). A time without a zone is
 * taken as UTC, as a date alone is: JavaScript would read it in the runner's local zone.
 */
export function isoTime(name: string, value: string): Date {
  const match = /^(\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)?)(Z|[+-]\d{2}:\d{2})?$/.exec(value)
  const ms = match === null ? Number.NaN : Date.parse(match[2] === undefined && match[1]!.includes('T') ? `${value}Z` : value)
  if (!Number.isFinite(ms)) throw new InputError(`input "${name}" must be an ISO-8601 time such as 2026-06-25T16:54:37Z; got ${JSON.stringify(value)}`)
  return new Date(ms)
}
