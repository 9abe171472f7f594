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

/**
 * A file to write (`content`), a path to delete, or a whole directory set to an existing tree object
 * (`tree`, a full SHA): how the parallel import puts together trees built by other processes.
 */
export type FastImportFile = { path: string; content: string } | { path: string; delete: true } | { path: string; tree: string }

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
  /**
   * Build the trees in up to this many fast-import processes at once (see `PARALLEL_MIN_COMMITS`);
   * the commits are the same, SHA for SHA, as one process writes. 1 (the default) is one process.
   */
  parallel?: number
}

/** Below this many commits one process is quicker than splitting the work. */
export const PARALLEL_MIN_COMMITS = 200

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
  const parallel = options.parallel ?? 1
  if (parallel > 1 && options.commits.length >= PARALLEL_MIN_COMMITS) {
    const plan = planPartitions(options.commits, parallel)
    if (plan !== null) return importInParallel(git, options, plan)
  }
  return importOnce(git, options)
}

async function importOnce(git: Git, options: FastImportOptions): Promise<string[]> {
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
 * Where the time of an import goes: every commit writes a new version of each directory it touches,
 * and a directory of thousands of records is a tree of hundreds of KB, serialized, hashed and
 * deltified by one fast-import process, commit after commit. The directories under different
 * top-level pairs (`data/<tenant>`) change independently, so their histories can be built side by
 * side: one fast-import per group of partitions builds a chain of commits carrying only that group's
 * files (and so every version of those directories), then a last fast-import writes the real commits,
 * setting each touched `data/<tenant>` to the tree its group built at that point. Trees and commits
 * are content-addressed, so the result is byte for byte what one process writes; the partial chains
 * are left unreferenced.
 */
interface PartitionPlan {
  /** Partition (`data/acme`) → group. */
  groupOf: Map<string, number>
  groups: number
}

/** The first two components of a path with at least three (`data/acme` for `data/acme/Customer/x.agi`). */
function partitionOf(path: string): string | null {
  const first = path.indexOf('/')
  const second = first < 0 ? -1 : path.indexOf('/', first + 1)
  return second < 0 ? null : path.slice(0, second)
}

/** Groups of partitions balanced by files, or null when the commits cannot be split (one partition, or a file elsewhere). */
function planPartitions(commits: readonly FastImportCommit[], parallel: number): PartitionPlan | null {
  const files = new Map<string, number>()
  for (const commit of commits) {
    for (const file of commit.files) {
      const partition = partitionOf(file.path)
      if (partition === null || 'tree' in file) return null
      files.set(partition, (files.get(partition) ?? 0) + 1)
    }
  }
  const groups = Math.min(parallel, files.size)
  if (groups < 2) return null
  const load = new Array<number>(groups).fill(0)
  const groupOf = new Map<string, number>()
  for (const [partition, count] of [...files].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) {
    const lightest = load.indexOf(Math.min(...load))
    groupOf.set(partition, lightest)
    load[lightest] = (load[lightest] as number) + count
  }
  return { groupOf, groups }
}

async function importInParallel(git: Git, options: FastImportOptions, plan: PartitionPlan): Promise<string[]> {
  const partitionsOf = options.commits.map((commit) => [...new Set(commit.files.map((file) => partitionOf(file.path) as string))].sort())
  // Validated (paths, identities, dates, ref, parent) before any git runs, as for one process.
  const marks = checkImport(options)
  await git.run(['check-ref-format', options.ref])

  const refs = Array.from({ length: plan.groups }, (_, group) => `${options.ref}-tree-${group}`)
  try {
    return await assemble(git, options, plan, partitionsOf, marks, refs)
  } finally {
    // The partial chains are scaffolding: unreferenced once the real commits exist (or the import failed).
    for (const ref of refs) await git.run(['update-ref', '-d', ref])
  }
}

async function assemble(git: Git, options: FastImportOptions, plan: PartitionPlan, partitionsOf: string[][], marks: number[], refs: string[]): Promise<string[]> {
  const { commits } = options
  // 1. One chain per group, each commit carrying only that group's files. Every process is waited
  // for, even when one fails, so none is left writing after the import returned.
  const settled = await Promise.allSettled(
    refs.map(async (ref, group) => {
      const indices: number[] = []
      const partial: FastImportCommit[] = []
      commits.forEach((commit, index) => {
        const files = commit.files.filter((file) => plan.groupOf.get(partitionOf(file.path) as string) === group)
        if (files.length === 0) return
        indices.push(index)
        partial.push({ author: commit.author, authorDate: commit.authorDate, committer: commit.committer, committerDate: commit.committerDate, message: 'partial tree', files })
      })
      const shas = partial.length === 0 ? [] : await importOnce(git, { ref, parent: options.parent, commits: partial, force: true })
      return { indices, shas }
    }),
  )
  const chains = settled.map((outcome) => {
    if (outcome.status === 'rejected') throw outcome.reason
    return outcome.value
  })

  // 2. The tree each touched partition has after each commit (missing: the commit emptied it).
  const queries: { index: number; partition: string }[] = []
  const lines: string[] = []
  chains.forEach((chain, group) => {
    chain.indices.forEach((index, position) => {
      for (const partition of partitionsOf[index] as string[]) {
        if (plan.groupOf.get(partition) !== group) continue
        queries.push({ index, partition })
        lines.push(`${chain.shas[position]}:${partition}`)
      }
    })
  })
  const answers = (await git.run(['cat-file', '--batch-check=%(objectname) %(objecttype)'], { input: `${lines.join('\n')}\n` })).split('\n')
  const trees = commits.map(() => new Map<string, string | null>())
  queries.forEach(({ index, partition }, at) => {
    const answer = answers[at] ?? ''
    const tree = /^([0-9a-f]{40}|[0-9a-f]{64}) tree$/.exec(answer)
    if (tree !== null) (trees[index] as Map<string, string | null>).set(partition, tree[1] as string)
    else if (answer.endsWith(' missing')) (trees[index] as Map<string, string | null>).set(partition, null)
    else throw new Error(`parallel import: ${lines[at]} is not a directory (${answer})`)
  })

  // 3. The real commits, each setting the directories it touched to the trees built for it.
  const assembled = commits.map((commit, index): FastImportCommit => ({
    ...commit,
    mark: marks[index],
    files: (partitionsOf[index] as string[]).map((partition) => {
      const tree = (trees[index] as Map<string, string | null>).get(partition)
      return tree === null || tree === undefined ? { path: partition, delete: true as const } : { path: partition, tree }
    }),
  }))
  return importOnce(git, { ...options, commits: assembled })
}

/**
 * The exact bytes fed to `git fast-import --done` for these commits, and the mark of each commit.
 * Validates every path, identity and date first, so a bad entry fails before git runs.
 */
export function buildFastImportStream(options: Omit<FastImportOptions, 'force'>): { stream: Buffer; marks: number[] } {
  const marks = assignMarks(options.commits)
  const parent = checkRefAndParent(options)

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
      } else if ('tree' in file) {
        line(`M 040000 ${fullSha(file.tree, 'tree')} ${path}`)
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

/** The checks `buildFastImportStream` makes, without building the stream: the marks, or a TypeError. */
function checkImport(options: Omit<FastImportOptions, 'force'>): number[] {
  const marks = assignMarks(options.commits)
  checkRefAndParent(options)
  for (const commit of options.commits) {
    identity(commit.author, 'author')
    identity(commit.committer, 'committer')
    rawDate(commit.authorDate, 'authorDate')
    rawDate(commit.committerDate, 'committerDate')
    for (const file of commit.files) {
      safePath(file.path)
      if ('tree' in file) fullSha(file.tree, 'tree')
    }
  }
  return marks
}

function checkRefAndParent(options: Pick<FastImportOptions, 'ref' | 'parent'>): string | null {
  if (!/^refs\/\S+$/.test(options.ref)) throw new TypeError(`not a full ref name: ${JSON.stringify(options.ref)}`)
  return options.parent === undefined || options.parent === null ? null : fullSha(options.parent, 'parent')
}

function fullSha(value: string, field: 'parent' | 'tree'): string {
  if (!/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(value)) throw new TypeError(`${field} must be a full ${field === 'parent' ? 'commit' : 'tree'} SHA: ${JSON.stringify(value)}`)
  return value
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
