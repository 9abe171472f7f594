/**
 * Writes many commits with one `git fast-import` process: one pack, no working tree, no index,
 * and a commit costs about a millisecond instead of a process per step.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Git } from './git.ts'

export interface Identity {
  name: string
  email: string
}

export type FastImportFile = { path: string; content: string } | { path: string; delete: true }

export interface FastImportCommit {
  author: Identity
  /**
   * ISO-8601 string or Date. Git keeps whole seconds only, so milliseconds are dropped (the entry
   * itself keeps the exact time); the zone is always written as +0000.
   */
  authorDate: Date | string
  committer: Identity
  committerDate: Date | string
  /** Trailing newlines are normalised to exactly one. */
  message: string
  /** Applied in order; a later change to the same path wins. Files not listed carry over from the parent. */
  files: readonly FastImportFile[]
  /** A positive integer naming this commit inside the stream; assigned when omitted. */
  mark?: number
}

export interface FastImportOptions {
  /** The ref to point at the last commit, e.g. `refs/heads/main`. */
  ref: string
  /** The first commit's parent (a full SHA); omit to start a root commit (an empty repository). */
  parent?: string | null
  commits: readonly FastImportCommit[]
  /**
   * Allow moving `ref` even when its current tip is not an ancestor of the new commits (the
   * commits are being rebuilt on a new parent). Without it git refuses and the import fails.
   */
  force?: boolean
}

/**
 * Imports `commits` as a chain on top of `parent` and moves `ref` to the last one.
 * Returns the new commit SHAs in input order. Only objects and the ref are written, never the
 * index or a working tree: import into a bare or `--no-checkout` clone.
 *
 * @example
 * const [sha] = await fastImport(git, {
 *   ref: 'refs/heads/main',
 *   parent: await git.headSha(),
 *   commits: [{ author, authorDate: entry.ts, committer, committerDate: new Date(), message,
 *               files: [{ path: 'data/acme/Customer/0193….agi', content }] }],
 * })
 */
export async function fastImport(git: Git, options: FastImportOptions): Promise<string[]> {
  if (options.commits.length === 0) return []
  const { stream, marks } = buildFastImportStream(options)
  // check-ref-format is git's own rule for ref names; anything it accepts is safe on a command line of the stream.
  await git.run(['check-ref-format', options.ref])

  const dir = await mkdtemp(join(tmpdir(), 'accelerando-marks-'))
  const marksFile = join(dir, 'marks')
  try {
    const args = ['fast-import', '--quiet', '--done', '--date-format=raw', `--export-marks=${marksFile}`]
    if (options.force) args.push('--force')
    await git.run(args, { input: stream })
    const exported = parseMarks(await readFile(marksFile, 'utf8'))
    return marks.map((mark) => {
      const sha = exported.get(mark)
      if (sha === undefined) throw new Error(`git fast-import did not report a commit for mark :${mark}`)
      return sha
    })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * The exact bytes fed to `git fast-import --done` for these commits, and the mark of each commit.
 * Validates every path, identity and date first, so a bad entry fails before git runs.
 */
export function buildFastImportStream(options: Omit<FastImportOptions, 'force'>): { stream: Buffer; marks: number[] } {
  const marks = assignMarks(options.commits)
  if (!/^refs\/\S+$/.test(options.ref)) throw new TypeError(`not a full ref name: ${JSON.stringify(options.ref)}`)
  const parent = options.parent ?? null
  if (parent !== null && !/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(parent)) {
    throw new TypeError(`parent must be a full commit SHA: ${JSON.stringify(parent)}`)
  }

  const chunks: Buffer[] = []
  const line = (text: string) => chunks.push(Buffer.from(`${text}\n`, 'utf8'))
  // `data <n>` counts bytes, not UTF-16 code units: one "é" is two bytes, one emoji four.
  const data = (text: string) => {
    const bytes = Buffer.from(text, 'utf8')
    line(`data ${bytes.length}`)
    chunks.push(bytes)
    line('')
  }

  options.commits.forEach((commit, index) => {
    line(`commit ${options.ref}`)
    line(`mark :${marks[index]}`)
    line(`author ${identity(commit.author, 'author')} ${rawDate(commit.authorDate, 'authorDate')}`)
    line(`committer ${identity(commit.committer, 'committer')} ${rawDate(commit.committerDate, 'committerDate')}`)
    data(`${commit.message.replace(/\n+$/, '')}\n`)
    // Without `from`, the first commit of a ref in a stream is a root commit; later ones chain on
    // the previous commit of the same ref automatically.
    if (index === 0 && parent !== null) line(`from ${parent}`)
    for (const file of commit.files) {
      const path = safePath(file.path)
      if ('delete' in file) {
        line(`D ${path}`)
      } else {
        line(`M 100644 inline ${path}`)
        data(file.content)
      }
    }
    line('')
  })
  // With --done a stream that stops before this line (a crash, a broken pipe) is an error, not a
  // shorter history.
  line('done')
  return { stream: Buffer.concat(chunks), marks }
}

function assignMarks(commits: readonly FastImportCommit[]): number[] {
  const taken = new Set<number>()
  for (const commit of commits) {
    if (commit.mark === undefined) continue
    if (!Number.isSafeInteger(commit.mark) || commit.mark < 1) throw new TypeError(`mark must be a positive integer: ${commit.mark}`)
    if (taken.has(commit.mark)) throw new TypeError(`mark :${commit.mark} is used twice`)
    taken.add(commit.mark)
  }
  let next = 1
  return commits.map((commit) => {
    if (commit.mark !== undefined) return commit.mark
    while (taken.has(next)) next++
    taken.add(next)
    return next
  })
}

/**
 * Paths are written unquoted, so anything that would need git's C-style quoting is refused rather
 * than escaped: record paths are generated from validated tenants, entities and ids and never
 * contain such characters, so one that does is a bug or an attack. `.git` components are refused
 * because git would store them and then refuse to check the tree out.
 */
export function safePath(path: string): string {
  const problem =
    path === '' ? 'is empty'
    : path.startsWith('/') ? 'is absolute'
    : path.endsWith('/') ? 'ends with a slash'
    : /[\x00-\x1f\x7f"\\]/.test(path) ? 'contains a control character, quote or backslash'
    : path.split('/').some((part) => part === '' || part === '.' || part === '..') ? 'has an empty, "." or ".." component'
    : path.split('/').some((part) => part.toLowerCase() === '.git') ? 'has a ".git" component'
    : null
  if (problem !== null) throw new TypeError(`unsafe path ${JSON.stringify(path)}: ${problem}`)
  return path
}

function identity(who: Identity, field: string): string {
  // Angle brackets and line breaks would end the name or email early and corrupt the header.
  const bad = /[<>\x00-\x1f\x7f]/
  if (who.name.trim() === '' || bad.test(who.name)) throw new TypeError(`${field} name is empty or has <, > or a control character: ${JSON.stringify(who.name)}`)
  if (who.email === '' || bad.test(who.email)) throw new TypeError(`${field} email is empty or has <, > or a control character: ${JSON.stringify(who.email)}`)
  return `${who.name} <${who.email}>`
}

/** fast-import's raw format: whole seconds since the epoch and a zone. */
function rawDate(value: Date | string, field: string): string {
  const ms = value instanceof Date ? value.getTime() : Date.parse(value)
  if (!Number.isFinite(ms)) throw new TypeError(`${field} is not a valid date: ${JSON.stringify(String(value))}`)
  return `${Math.floor(ms / 1000)} +0000`
}

function parseMarks(text: string): Map<number, string> {
  const marks = new Map<number, string>()
  for (const entry of text.split('\n')) {
    const match = /^:(\d+) ([0-9a-f]+)$/.exec(entry)
    if (match?.[1] !== undefined && match[2] !== undefined) marks.set(Number(match[1]), match[2])
  }
  return marks
}
