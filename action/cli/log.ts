/**
 * `accelerando log <Entity>/<id>`: who changed a record, when and how, read from a clone of the data
 * repository — its commits newest first, those from before it moved to its sharded path included.
 */
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { ValidationError } from '../../shared/errors.ts'
import { assertEntityName, assertId, assertTenant, gitPathOfRecordKey, recordKeyWithoutSchema } from '../../shared/keys.ts'
import { Git } from '../git.ts'
import { recordHistory, tenantsOnHead, tenantsWithHistory, type RecordCommit } from '../record-history.ts'
import { UsageError, type Command } from './command.ts'
import { processEnvironment, type CliEnvironment } from './reconcile-command.ts'

export async function runLogCommand(args: string[], environment: CliEnvironment = processEnvironment()): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: { tenant: { type: 'string' }, patch: { type: 'boolean' }, json: { type: 'boolean' }, repo: { type: 'string' } },
  })
  const { entity, id } = recordName(positionals)
  const chosenTenant = values.tenant === undefined ? undefined : asUsageError(() => assertTenant(values.tenant))
  const git = await openRepository(resolve(environment.cwd, values.repo ?? '.'))
  if ((await git.headSha()) === null) {
    environment.err(`no history for ${entity}/${id}: ${git.cwd} has no commits yet`)
    return 1
  }
  if (await git.isShallow()) environment.err('warning: this clone is shallow, so older commits are missing from it (git fetch --unshallow)')

  const tenant = chosenTenant ?? (await onlyTenantWithHistory(git, entity, id))
  const commits = tenant === undefined ? [] : await recordHistory(git, { tenant, entity, id }, { patch: values.patch === true })
  if (tenant === undefined || commits.length === 0) {
    environment.err(await noHistoryMessage(git, entity, id, chosenTenant))
    return 1
  }
  if (values.json) {
    const path = gitPathOfRecordKey(recordKeyWithoutSchema(tenant, entity, id))
    environment.out(JSON.stringify(commits.map(({ patch, ...commit }) => ({ ...commit, path, ...(patch === undefined ? {} : { patch }) })), null, 2))
  } else {
    for (const line of describeCommits(commits)) environment.out(line)
  }
  return 0
}

/** `Invoice/0193f6c2-…` → its entity and id, both checked. */
function recordName(positionals: string[]): { entity: string; id: string } {
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'which record? give it as <Entity>/<id>' : `one record at a time, got ${positionals.length}: ${positionals.join(' ')}`)
  }
  const text = positionals[0] as string
  const parts = text.split('/')
  if (parts.length !== 2) throw new UsageError(`expected <Entity>/<id>, such as Invoice/0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001, got ${JSON.stringify(text)}`)
  return asUsageError(() => ({ entity: assertEntityName(parts[0]), id: assertId(parts[1]) }))
}

/** A name the user typed that the key rules refuse is a usage mistake (exit code 2), not a failure. */
function asUsageError<T>(fn: () => T): T {
  try {
    return fn()
  } catch (error) {
    if (error instanceof ValidationError) throw new UsageError(error.message)
    throw error
  }
}

async function openRepository(dir: string): Promise<Git> {
  const git = new Git(dir)
  // A directory that does not exist makes git fail to start, which `exec` throws.
  const probe = await git.exec(['rev-parse', '--git-dir']).catch(() => null)
  if (probe?.exitCode !== 0) throw new UsageError(`${dir} is not a git repository: run this in a clone of the data repository, or pass --repo <clone>`)
  return git
}

/** The one tenant with history of the record; undefined when none has any, a usage error when several do. */
async function onlyTenantWithHistory(git: Git, entity: string, id: string): Promise<string | undefined> {
  const tenants = await tenantsWithHistory(git, entity, id)
  if (tenants.length > 1) throw new UsageError(`${entity}/${id} has history in ${tenants.length} tenants (${tenants.join(', ')}): choose one with --tenant <tenant>`)
  return tenants[0]
}

async function noHistoryMessage(git: Git, entity: string, id: string, chosenTenant: string | undefined): Promise<string> {
  if (chosenTenant !== undefined) {
    const path = gitPathOfRecordKey(recordKeyWithoutSchema(chosenTenant, entity, id))
    const elsewhere = await tenantsWithHistory(git, entity, id)
    const hint = elsewhere.length === 0 ? '' : `; it has history in ${elsewhere.length === 1 ? 'tenant' : 'tenants'} ${elsewhere.join(', ')} (--tenant ${elsewhere[0]})`
    return `no history for ${entity}/${id} in tenant ${chosenTenant}: no commit on HEAD touches ${path} or an earlier path of it${hint}`
  }
  const tenants = await tenantsOnHead(git)
  const found = tenants.length === 0 ? 'HEAD has no data/ folder' : `tenants on HEAD: ${tenants.join(', ')}`
  return `no history for ${entity}/${id}: no commit on HEAD touches it in any tenant (${found})`
}

/** One line per commit, as `git log --oneline` but with the author and date; each patch below its line. */
function describeCommits(commits: readonly RecordCommit[]): string[] {
  const authorWidth = Math.max(0, ...commits.map((commit) => commit.authorName.length))
  const lines: string[] = []
  for (const commit of commits) {
    lines.push(`${commit.shortSha}  ${commit.authorName.padEnd(authorWidth)}  ${commit.date}  ${commit.subject}`)
    if (commit.patch !== undefined) lines.push(commit.patch.trimEnd(), '')
  }
  return lines
}

export const logCommand: Command = {
  summary: "print a record's history from a clone of the data repository: who changed it, when and how",
  usage:
    'accelerando log <Entity>/<id> [--tenant <tenant>] [--patch] [--json] [--repo <clone>]\n' +
    'The commits of HEAD that touched the record, newest first: short SHA, author, date, subject. Those from\n' +
    'before it moved (the flat data/<tenant>/<Entity>/<id>.agi of old repositories) are included.\n' +
    '  --tenant <tenant>   the tenant, when more than one has a record with this id (found by itself otherwise)\n' +
    "  --patch             each commit's diff of the record\n" +
    '  --json              an array of {sha, shortSha, authorName, authorEmail, date, subject, path, patch?};\n' +
    "                      path is the record's place in git, data/<tenant>/<Entity>/<aa>/<bb>/<id>.agi\n" +
    "  --repo <path>       the data repository's clone (default: the current directory)\n" +
    'Exits with 1 when no commit touches the record.',
  run: (args) => runLogCommand(args),
}
