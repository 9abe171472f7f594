/**
 * The one place that runs git. Every other module asks this one, so the environment, the argument
 * hygiene and the error shape are decided once.
 */
import { spawn } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'

/** A git command that exited non-zero (or could not start). */
export class GitError extends Error {
  /** The arguments after `git`, with credentials in URLs masked. */
  readonly command: readonly string[]
  /** null when git never ran or was killed by a signal. */
  readonly exitCode: number | null
  readonly stderr: string

  constructor(command: readonly string[], exitCode: number | null, stderr: string, cause?: unknown) {
    const shown = command.map(redact)
    const detail = redact(stderr.trim()) || (cause instanceof Error ? cause.message : '')
    super(`git ${shown.join(' ')} failed (exit code ${exitCode ?? 'none'})${detail ? `: ${detail}` : ''}`)
    this.name = 'GitError'
    this.command = shown
    this.exitCode = exitCode
    this.stderr = redact(stderr)
    if (cause !== undefined) this.cause = cause
  }
}

export interface GitRunOptions {
  /** Bytes for git's stdin; without it stdin is closed at once, so git can never wait for input. */
  input?: string | Uint8Array
  /** Extra environment for this command only. */
  env?: Record<string, string>
}

export interface GitExecResult {
  exitCode: number | null
  stdout: Buffer
  stderr: string
}

export interface GitOptions {
  /** Environment added to every command of this instance (e.g. credentials helpers). */
  env?: Record<string, string>
  /** The git executable; `git` from PATH by default. */
  binary?: string
}

/** A fast-forward push either lands or is refused because the remote ref moved; anything else throws. */
export type PushResult = { ok: true } | { ok: false; rejected: true; stderr: string }

export interface TreeEntry {
  mode: string
  type: 'blob' | 'tree' | 'commit'
  sha: string
  path: string
}

export interface LogOptions {
  /** A git pretty format, e.g. `%H%x1f%an`. One string per commit comes back. */
  format: string
  /** Revision or range; HEAD when omitted. */
  rev?: string
  maxCount?: number
  /** Oldest first. */
  reverse?: boolean
  /** Only commits touching these paths. */
  paths?: readonly string[]
  /**
   * Only commits whose committer date is at or after this time. git stops walking soon after it
   * meets older commits (it allows a few out-of-order ones), so this bounds the scan, not just the output.
   */
  since?: Date
}

/**
 * Variables that point git at another repository. They are set while git runs a hook, so a test
 * suite started from a hook would otherwise act on the enclosing repository, not on `cwd`.
 */
const REPOSITORY_LOCATORS = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_PREFIX',
  'GIT_NAMESPACE',
]

/** Fixed last so nothing can override them: no credential prompt ever blocks a run, and messages stay in one parseable language. */
const FIXED_ENV = { GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' }

/**
 * fast-import (and pack-objects) allocate and free a zlib state of about 256 KiB per object written. With
 * glibc's default trim threshold each free hands the memory back to the kernel and the next object takes
 * it again: a few `brk` calls per object, most of git's CPU in the kernel (an import of 10,000 entries
 * measured 97 s, 7.8 s with the memory kept). Keeping up to 256 MiB of freed memory costs nothing else.
 */
const MALLOC_TRIM_TUNABLE = 'glibc.malloc.trim_threshold=268435456'

/** GLIBC_TUNABLES with the trim threshold added to whatever the caller's environment already tunes. */
function withTrimThreshold(tunables: string | undefined): string {
  const others = (tunables ?? '').split(':').filter((tunable) => tunable !== '' && !tunable.startsWith('glibc.malloc.trim_threshold='))
  return [...others, MALLOC_TRIM_TUNABLE].join(':')
}

/**
 * A git working directory (or bare repository).
 *
 * @example
 * const git = new Git('/tmp/data')
 * await git.clone('https://github.com/acme/books.git', { bare: true })
 * const tip = await git.headSha()
 */
export class Git {
  readonly cwd: string
  readonly #env: Record<string, string>
  readonly #binary: string

  constructor(cwd: string, options: GitOptions = {}) {
    this.cwd = resolve(cwd)
    this.#env = options.env ?? {}
    this.#binary = options.binary ?? 'git'
  }

  /** Runs `git <args>` in `cwd` and returns stdout; a non-zero exit throws `GitError`. */
  async run(args: readonly string[], options: GitRunOptions = {}): Promise<string> {
    return (await this.#runChecked(args, options, this.cwd)).toString('utf8')
  }

  /** Like `run`, but hands back the exit code instead of throwing for it (a failure to start still throws). */
  exec(args: readonly string[], options: GitRunOptions = {}): Promise<GitExecResult> {
    return this.#spawn(args, options, this.cwd)
  }

  /** Creates `cwd` if needed and makes it a repository. */
  async init(options: { bare?: boolean; initialBranch?: string } = {}): Promise<void> {
    await mkdir(this.cwd, { recursive: true })
    const args = ['init', '--quiet']
    if (options.bare) args.push('--bare')
    if (options.initialBranch !== undefined) args.push(`--initial-branch=${noOption(options.initialBranch)}`)
    await this.run(args)
  }

  /** Clones `url` into `cwd` (which must not exist or be empty). */
  async clone(
    url: string,
    options: { bare?: boolean; noCheckout?: boolean; branch?: string; depth?: number } = {},
  ): Promise<void> {
    const parent = dirname(this.cwd)
    await mkdir(parent, { recursive: true })
    const args = ['clone', '--quiet', '--no-tags']
    if (options.bare) args.push('--bare')
    if (options.noCheckout) args.push('--no-checkout')
    if (options.branch !== undefined) args.push('--branch', noOption(options.branch))
    if (options.depth !== undefined) args.push(`--depth=${positiveInteger(options.depth)}`)
    args.push('--', url, this.cwd)
    // The target does not exist yet, so the command runs from its parent.
    await this.#runChecked(args, {}, parent)
  }

  /** Reads a config value (null when unset), or sets it when `value` is given. */
  async config(key: string, value?: string): Promise<string | null> {
    noOption(key)
    if (value === undefined) {
      const result = await this.exec(['config', '--get', key])
      if (result.exitCode === 1) return null
      if (result.exitCode !== 0) throw new GitError(['config', '--get', key], result.exitCode, result.stderr)
      return result.stdout.toString('utf8').replace(/\n$/, '')
    }
    await this.run(['config', key, value])
    return value
  }

  /** The full SHA a revision names; throws when it names nothing. */
  async revParse(rev: string): Promise<string> {
    return (await this.run(['rev-parse', '--verify', noOption(rev)])).trim()
  }

  /** The full SHA a revision names, or null when it names nothing (an unborn branch, a missing ref). */
  async tryRevParse(rev: string): Promise<string | null> {
    const args = ['rev-parse', '--verify', '--quiet', noOption(rev)]
    const result = await this.exec(args)
    if (result.exitCode === 0) return result.stdout.toString('utf8').trim()
    if (result.exitCode === 1) return null
    throw new GitError(args, result.exitCode, result.stderr)
  }

  /** The commit HEAD points at, or null in an empty repository. */
  headSha(): Promise<string | null> {
    return this.tryRevParse('HEAD')
  }

  /** Whether `ancestor` is reachable from `descendant` (a commit counts as its own ancestor). */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const args = ['merge-base', '--is-ancestor', noOption(ancestor), noOption(descendant)]
    const result = await this.exec(args)
    if (result.exitCode === 0) return true
    if (result.exitCode === 1) return false
    throw new GitError(args, result.exitCode, result.stderr)
  }

  /**
   * `shallowSince` deepens (or cuts) a shallow repository's history to every commit committed after
   * that time; it is the way to make a `--depth=1` checkout deep enough to read recent history.
   */
  async fetch(
    remote = 'origin',
    refspecs: readonly string[] = [],
    options: { depth?: number; shallowSince?: Date; unshallow?: boolean } = {},
  ): Promise<void> {
    // Without submodule recursion git reads the whole index to look for submodules: seconds in a
    // checkout of 500,000 records whose index is not sparse. A data repository has none.
    const args = ['fetch', '--quiet', '--no-tags', '--no-recurse-submodules']
    if (options.unshallow) args.push('--unshallow')
    if (options.depth !== undefined) args.push(`--depth=${positiveInteger(options.depth)}`)
    if (options.shallowSince !== undefined) args.push(`--shallow-since=${epochSeconds(options.shallowSince)}`)
    args.push(noOption(remote), ...refspecs.map(noOption))
    await this.run(args)
  }

  /**
   * Pushes one refspec without force: the remote accepts it only as a fast-forward, which makes the
   * push a compare-and-swap on the remote ref. Losing that race is an expected outcome and comes
   * back as `rejected`; a hook refusal, a network or permission failure throws. `config` is set for
   * this push only (`git -c name=value push`), so it reaches the pack-objects that push runs.
   */
  async push(remote: string, refspec: string, options: { config?: Readonly<Record<string, string>> } = {}): Promise<PushResult> {
    const config = Object.entries(options.config ?? {}).flatMap(([name, value]) => ['-c', `${noOption(name)}=${value}`])
    const args = [...config, 'push', '--porcelain', noOption(remote), noOption(refspec)]
    const result = await this.exec(args)
    if (result.exitCode === 0) return { ok: true }
    const stdout = result.stdout.toString('utf8')
    // Porcelain status lines: `!<TAB>from:to<TAB>[rejected] (non-fast-forward)`. `fetch first` is
    // the same race seen before our side had the remote's new commits.
    const lostRace = stdout
      .split('\n')
      .some((line) => line.startsWith('!\t') && /\t\[rejected\] \((non-fast-forward|fetch first)\)/.test(line))
    if (lostRace) return { ok: false, rejected: true, stderr: redact(`${stdout}${result.stderr}`) }
    throw new GitError(args, result.exitCode, `${stdout}${result.stderr}`)
  }

  /** The commit a branch points at on the remote (asked over the wire), or null when the remote has no such branch. */
  async remoteBranchSha(remote: string, branch: string): Promise<string | null> {
    const ref = `refs/heads/${noOption(branch)}`
    const out = await this.run(['ls-remote', '--heads', noOption(remote), ref])
    for (const line of out.split('\n')) {
      const [sha, name] = line.split('\t')
      if (name === ref && sha !== undefined) return sha
    }
    return null
  }

  /** Moves (or creates) `ref`; with `expectedOld` only if the ref still points there, an atomic check. */
  async updateRef(ref: string, sha: string, expectedOld?: string): Promise<void> {
    const args = ['update-ref', noOption(ref), noOption(sha)]
    if (expectedOld !== undefined) args.push(noOption(expectedOld))
    await this.run(args)
  }

  /** Fast-forwards the checked-out branch (index and files too) to `rev`; false when that is not a fast-forward or local changes are in the way. */
  async mergeFastForward(rev: string): Promise<boolean> {
    const result = await this.exec(['merge', '--ff-only', '--quiet', noOption(rev)])
    return result.exitCode === 0
  }

  /** The branch HEAD is on (`main`), or null when HEAD is detached. */
  async currentBranch(): Promise<string | null> {
    const result = await this.exec(['symbolic-ref', '--quiet', '--short', 'HEAD'])
    return result.exitCode === 0 ? result.stdout.toString('utf8').trim() : null
  }

  async isBare(): Promise<boolean> {
    return (await this.run(['rev-parse', '--is-bare-repository'])).trim() === 'true'
  }

  /** Whether history was cut (`clone --depth`): older commits are then simply not there to read. */
  async isShallow(): Promise<boolean> {
    return (await this.run(['rev-parse', '--is-shallow-repository'])).trim() === 'true'
  }

  /** One formatted string per commit, newest first unless `reverse`. */
  async log(options: LogOptions): Promise<string[]> {
    // -z with tformat terminates every record with NUL, which no commit message can contain, so
    // multi-line formats (%B) split unambiguously.
    const args = ['log', '-z', `--format=tformat:${options.format}`]
    if (options.maxCount !== undefined) args.push(`--max-count=${positiveInteger(options.maxCount)}`)
    if (options.reverse) args.push('--reverse')
    if (options.since !== undefined) args.push(`--since=${epochSeconds(options.since)}`)
    args.push(noOption(options.rev ?? 'HEAD'))
    if (options.paths !== undefined) args.push('--', ...options.paths)
    const out = await this.run(args)
    if (out === '') return []
    return out.replace(/\0$/, '').split('\0')
  }

  /** The entries of a tree (recursively by default: every file with its full path). */
  async lsTree(treeish: string, options: { recursive?: boolean; paths?: readonly string[] } = {}): Promise<TreeEntry[]> {
    // -z keeps paths raw: no C-style quoting of non-ASCII names to undo.
    const args = ['ls-tree', '-z']
    if (options.recursive ?? true) args.push('-r')
    args.push(noOption(treeish))
    if (options.paths !== undefined) args.push('--', ...options.paths)
    const out = await this.run(args)
    const entries: TreeEntry[] = []
    for (const record of out.split('\0')) {
      if (record === '') continue
      const tab = record.indexOf('\t')
      const [mode, type, sha] = record.slice(0, tab).split(' ')
      if (tab < 0 || mode === undefined || sha === undefined || (type !== 'blob' && type !== 'tree' && type !== 'commit')) {
        throw new GitError(args, 0, `unexpected ls-tree output: ${JSON.stringify(record)}`)
      }
      entries.push({ mode, type, sha, path: record.slice(tab + 1) })
    }
    return entries
  }

  /** The content of an object (`<sha>` or `<rev>:<path>`), decoded as UTF-8. */
  async catFile(object: string, type: 'blob' | 'commit' | 'tree' | 'tag' = 'blob'): Promise<string> {
    return this.run(['cat-file', type, noOption(object)])
  }

  async #runChecked(args: readonly string[], options: GitRunOptions, cwd: string): Promise<Buffer> {
    const result = await this.#spawn(args, options, cwd)
    if (result.exitCode !== 0) throw new GitError(args, result.exitCode, result.stderr)
    return result.stdout
  }

  #spawn(args: readonly string[], options: GitRunOptions, cwd: string): Promise<GitExecResult> {
    const env: NodeJS.ProcessEnv = { ...process.env }
    for (const name of REPOSITORY_LOCATORS) delete env[name]
    Object.assign(env, this.#env, options.env, FIXED_ENV)
    env.GLIBC_TUNABLES = withTrimThreshold(env.GLIBC_TUNABLES)

    return new Promise((resolvePromise, reject) => {
      const child = spawn(this.#binary, args, {
        cwd,
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
      })
      const stdout: Buffer[] = []
      const stderr: Buffer[] = []
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
      child.on('error', (error) => reject(new GitError(args, null, '', error)))
      child.on('close', (code) => {
        resolvePromise({ exitCode: code, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString('utf8') })
      })
      // git may exit before reading all input (it failed early); the exit code tells that story,
      // so a broken pipe here is not a second error. Without input stdin is closed at once.
      child.stdin.on('error', () => {})
      child.stdin.end(options.input)
    })
  }
}

/** Arguments that come from data must never be taken for options. */
function noOption(value: string): string {
  if (value.startsWith('-')) throw new TypeError(`git argument must not start with "-": ${JSON.stringify(value)}`)
  return value
}

/** git's raw date spelling, `@<seconds since the epoch>`: no time zone or locale can reinterpret it. */
function epochSeconds(date: Date): string {
  const ms = date.getTime()
  if (!Number.isFinite(ms)) throw new TypeError(`not a valid date: ${String(date)}`)
  return `@${Math.max(0, Math.floor(ms / 1000))}`
}

function positiveInteger(value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`expected a positive integer, got ${value}`)
  return value
}

/** Tokens in remote URLs (`https://x-access-token:…@github.com/…`) must not reach logs. */
function redact(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@')
}
