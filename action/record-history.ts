/**
 * One record's history in the data repository: the commits that touched its file, wherever the file sat
 * under its entity's folder — the flat `data/<tenant>/<Entity>/<id>.agi` of old repositories, the sharded
 * path since (`gitPathOfRecordKey`). What `accelerando log` prints.
 */
import { assertEntityName, assertId, assertTenant, DATA_PREFIX, isTenant, parseRecordKeyWithoutSchema, recordKeyNamedByGitPath } from '../shared/keys.ts'
import type { Git } from './git.ts'

export interface RecordName {
  tenant: string
  entity: string
  id: string
}

export interface RecordCommit {
  sha: string
  shortSha: string
  authorName: string
  authorEmail: string
  /** Author date, ISO 8601 with the commit's own offset. */
  date: string
  subject: string
  /** The commit's diff of the record, when asked for. */
  patch?: string
}

/** The fields of each commit, in `RecordCommit` order; NUL cannot occur in any of them nor in a text patch. */
const COMMIT_FORMAT = '%x00%H%x00%h%x00%an%x00%ae%x00%aI%x00%s'
const FIELDS_PER_COMMIT = 6

/**
 * The git pathspec of every path the record's file may have had; every tenant's when `tenant` is omitted.
 * Its `**` segment matches zero or more folders, so one pattern covers the flat and the sharded layouts,
 * and a move between them is followed without rename detection, content changed or not. `top` anchors
 * the pattern at the repository's root from any directory. The parts are checked first, so none can
 * carry glob characters.
 */
export function recordPathspec(entity: string, id: string, tenant?: string): string {
  const tenantFolder = tenant === undefined ? '*' : assertTenant(tenant)
  return `:(top,glob)${DATA_PREFIX}${tenantFolder}/${assertEntityName(entity)}/**/${assertId(id)}.agi`
}

/** The commits of HEAD that touched the record, newest first; with `patch`, each one's diff of the record. */
export async function recordHistory(git: Git, record: RecordName, options: { patch?: boolean } = {}): Promise<RecordCommit[]> {
  const args = ['log', '--no-color', `--format=${COMMIT_FORMAT}`]
  // Explicit, so a user's diff configuration cannot change what is printed: a move shows as a rename.
  if (options.patch) args.push('--patch', '--find-renames', '--no-ext-diff')
  args.push('HEAD', '--', recordPathspec(record.entity, record.id, record.tenant))
  const fields = (await git.run(args)).split('\0').slice(1)
  const commits: RecordCommit[] = []
  for (let at = 0; at + FIELDS_PER_COMMIT <= fields.length; at += FIELDS_PER_COMMIT) {
    const [sha, shortSha, authorName, authorEmail, date, rest] = fields.slice(at, at + FIELDS_PER_COMMIT) as [string, string, string, string, string, string]
    // The subject line ends the format; a patch follows after one blank line.
    const newline = rest.indexOf('\n')
    const subject = newline < 0 ? rest : rest.slice(0, newline)
    const commit: RecordCommit = { sha, shortSha, authorName, authorEmail, date, subject }
    if (options.patch) commit.patch = newline < 0 ? '' : rest.slice(newline + 1).replace(/^\n/, '')
    commits.push(commit)
  }
  return commits
}

/** The tenants under which some commit of HEAD touched a record with this entity and id, sorted. */
export async function tenantsWithHistory(git: Git, entity: string, id: string): Promise<string[]> {
  const out = await git.run(['log', '--no-renames', '--format=', '--name-only', '-z', 'HEAD', '--', recordPathspec(entity, id)])
  const tenants = new Set<string>()
  for (const path of out.split('\0')) {
    const key = recordKeyNamedByGitPath(path.trim())
    if (key !== null) tenants.add(parseRecordKeyWithoutSchema(key).tenant)
  }
  return [...tenants].sort()
}

/** The tenants with a folder under `data/` on HEAD, sorted. */
export async function tenantsOnHead(git: Git): Promise<string[]> {
  const out = await git.run(['ls-tree', '-z', '--full-tree', '--name-only', 'HEAD', DATA_PREFIX])
  return out
    .split('\0')
    .filter((path) => path.startsWith(DATA_PREFIX))
    .map((path) => path.slice(DATA_PREFIX.length))
    .filter(isTenant)
    .sort()
}
