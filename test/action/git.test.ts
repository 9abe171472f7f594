import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PUSH_CONFIG } from '../../action/engine/branch.ts'
import { Git, GitError } from '../../action/git.ts'

// Plain `git commit` needs an identity; the machine's global config may not have one.
const identityEnv = {
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@test.example',
  GIT_COMMITTER_NAME: 'Test Committer',
  GIT_COMMITTER_EMAIL: 'committer@test.example',
}

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'accelerando-git-'))
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

/** A bare origin with one commit on main, and a clone of it. */
async function originWithClone(name = 'work'): Promise<{ origin: Git; clone: Git; first: string }> {
  const origin = new Git(join(root, 'origin.git'))
  await origin.init({ bare: true, initialBranch: 'main' })
  const seed = new Git(join(root, 'seed'), { env: identityEnv })
  await seed.init({ initialBranch: 'main' })
  await writeFile(join(seed.cwd, 'README'), 'seed\n')
  await seed.run(['add', 'README'])
  await seed.run(['commit', '--quiet', '-m', 'seed'])
  await seed.run(['push', '--quiet', origin.cwd, 'main'])
  const clone = new Git(join(root, name), { env: identityEnv })
  await clone.clone(origin.cwd)
  return { origin, clone, first: await seed.revParse('HEAD') }
}

async function packsOf(git: Git): Promise<string[]> {
  const dir = join(git.cwd, 'objects', 'pack')
  return (await readdir(dir)).filter((name) => name.endsWith('.idx')).map((name) => join(dir, name))
}

async function commitFile(git: Git, path: string, content: string, message: string): Promise<string> {
  await writeFile(join(git.cwd, path), content)
  await git.run(['add', '--', path])
  await git.run(['commit', '--quiet', '-m', message])
  return git.revParse('HEAD')
}

describe('Git', () => {
  it('initialises an empty repository whose HEAD is unborn', async () => {
    const git = new Git(join(root, 'fresh', 'nested'))
    await git.init({ initialBranch: 'main' })
    expect(await git.headSha()).toBeNull()
    expect(await git.tryRevParse('refs/heads/main')).toBeNull()
    expect(await git.run(['symbolic-ref', 'HEAD'])).toBe('refs/heads/main\n')
  })

  it('reads and writes config, null when unset', async () => {
    const git = new Git(join(root, 'r'))
    await git.init()
    expect(await git.config('accelerando.missing')).toBeNull()
    await git.config('user.name', 'Ünïcode Name')
    expect(await git.config('user.name')).toBe('Ünïcode Name')
  })

  it('throws GitError with the command, exit code and stderr', async () => {
    const git = new Git(join(root, 'r'))
    await git.init()
    const error = await git.run(['rev-parse', '--verify', 'no-such-ref']).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GitError)
    const gitError = error as GitError
    expect(gitError.command).toEqual(['rev-parse', '--verify', 'no-such-ref'])
    expect(gitError.exitCode).toBe(128)
    expect(gitError.stderr).toMatch(/fatal/)
    expect(gitError.message).toMatch(/^git rev-parse --verify no-such-ref failed \(exit code 128\): fatal/)
    await expect(git.revParse('no-such-ref')).rejects.toBeInstanceOf(GitError)
  })

  it('reports a git binary that cannot start as GitError', async () => {
    const git = new Git(root, { binary: join(root, 'no-such-git') })
    const error = await git.run(['status']).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GitError)
    expect((error as GitError).exitCode).toBeNull()
  })

  it('refuses data that would be read as an option', async () => {
    const git = new Git(root)
    await expect(git.revParse('--all')).rejects.toThrow(/must not start with "-"/)
    await expect(git.fetch('--upload-pack=evil')).rejects.toThrow(/must not start with "-"/)
  })

  it('masks credentials in remote URLs inside errors', async () => {
    // Port 1 refuses the connection at once: the clone fails without any network.
    const secretUrl = 'https://x-access-token:s3cr3t@127.0.0.1:1/repo.git'
    const other = (await new Git(join(root, 'd')).clone(secretUrl).catch((e: unknown) => e)) as GitError
    expect(other).toBeInstanceOf(GitError)
    expect(other.message).not.toContain('s3cr3t')
    expect(other.command.join(' ')).not.toContain('s3cr3t')
    expect(other.command).toContain('https://***@127.0.0.1:1/repo.git')
  })

  it('runs with GIT_TERMINAL_PROMPT=0 and LC_ALL=C whatever the caller passes', async () => {
    const git = new Git(join(root, 'r'), { env: { LC_ALL: 'de_DE.UTF-8' } })
    await git.init()
    // An alias starting with "!" runs a shell command in git's environment: a window onto it.
    const out = await git.run(['-c', 'alias.showenv=!env', 'showenv'], { env: { GIT_TERMINAL_PROMPT: '1', EXTRA: 'yes' } })
    const env = new Map(out.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
    expect(env.get('GIT_TERMINAL_PROMPT')).toBe('0')
    expect(env.get('LC_ALL')).toBe('C')
    expect(env.get('EXTRA')).toBe('yes')
  })

  it('keeps freed memory in git (glibc trim threshold), adding to the tunables the caller set', async () => {
    const git = new Git(join(root, 'r'), { env: { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2:glibc.malloc.trim_threshold=1' } })
    await git.init()
    const out = await git.run(['-c', 'alias.showenv=!env', 'showenv'])
    const tunables = out.split('\n').find((line) => line.startsWith('GLIBC_TUNABLES='))
    expect(tunables).toBe('GLIBC_TUNABLES=glibc.malloc.arena_max=2:glibc.malloc.trim_threshold=268435456')
  })

  it('ignores an inherited GIT_DIR (as set while git runs a hook)', async () => {
    const git = new Git(join(root, 'r'))
    await git.init()
    const saved = process.env.GIT_DIR
    process.env.GIT_DIR = join(root, 'elsewhere.git')
    try {
      expect(await git.run(['rev-parse', '--absolute-git-dir'])).toBe(`${join(git.cwd, '.git')}\n`)
    } finally {
      if (saved === undefined) delete process.env.GIT_DIR
      else process.env.GIT_DIR = saved
    }
  })

  it('passes stdin through', async () => {
    const git = new Git(join(root, 'r'))
    await git.init()
    const sha = (await git.run(['hash-object', '-w', '--stdin'], { input: 'héllo' })).trim()
    expect(sha).toMatch(/^[0-9a-f]{40}$/)
    expect(await git.catFile(sha)).toBe('héllo')
  })

  it('clones, reads history, trees and blobs', async () => {
    const { clone, first } = await originWithClone()
    expect(await clone.headSha()).toBe(first)
    const second = await commitFile(clone, 'é.txt', 'two\n', 'second\n\nwith a body')
    expect(await clone.revParse('HEAD~1')).toBe(first)
    expect(await clone.isAncestor(first, second)).toBe(true)
    expect(await clone.isAncestor(second, first)).toBe(false)
    expect(await clone.isAncestor(second, second)).toBe(true)

    const log = await clone.log({ format: '%H%x1f%an%x1f%B' })
    expect(log).toEqual([`${second}\x1fTest Author\x1fsecond\n\nwith a body\n`, `${first}\x1fTest Author\x1fseed\n`])
    expect(await clone.log({ format: '%s', reverse: true })).toEqual(['seed', 'second'])
    expect(await clone.log({ format: '%s', maxCount: 1 })).toEqual(['second'])
    expect(await clone.log({ format: '%s', paths: ['README'] })).toEqual(['seed'])

    const tree = await clone.lsTree('HEAD')
    expect(tree.map((e) => [e.mode, e.type, e.path])).toEqual([
      ['100644', 'blob', 'README'],
      ['100644', 'blob', 'é.txt'],
    ])
    expect(await clone.catFile(tree[1]!.sha)).toBe('two\n')
    expect(await clone.catFile('HEAD:é.txt')).toBe('two\n')
    expect(await clone.catFile('HEAD', 'commit')).toMatch(/^tree [0-9a-f]{40}\n/)
  })

  it('lists nested trees recursively or one level', async () => {
    const { clone } = await originWithClone()
    const sha = (await clone.run(['hash-object', '-w', '--stdin'], { input: 'x' })).trim()
    await clone.run(['update-index', '--add', '--cacheinfo', `100644,${sha},data/acme/a.agi`])
    await clone.run(['commit', '--quiet', '-m', 'nested'])
    expect((await clone.lsTree('HEAD')).map((e) => e.path)).toEqual(['README', 'data/acme/a.agi'])
    expect((await clone.lsTree('HEAD', { recursive: false })).map((e) => [e.type, e.path])).toEqual([
      ['blob', 'README'],
      ['tree', 'data'],
    ])
    expect((await clone.lsTree('HEAD', { paths: ['data/'] })).map((e) => e.path)).toEqual(['data/acme/a.agi'])
  })

  it('fetches without reading the index (git would, to look for submodules)', async () => {
    const { origin, clone } = await originWithClone()
    const other = new Git(join(root, 'other'), { env: identityEnv })
    await other.clone(origin.cwd)
    const pushed = await commitFile(other, 'b.txt', 'b\n', 'theirs')
    await other.run(['push', '--quiet', 'origin', 'HEAD:refs/heads/main'])
    // An index git cannot read: a plain `git fetch` fails on it, so ours shows it never looked.
    await writeFile(join(clone.cwd, '.git', 'index'), 'not an index\n')
    expect((await clone.exec(['fetch', '--quiet', 'origin'])).exitCode).not.toBe(0)
    await clone.fetch('origin', ['+refs/heads/main:refs/remotes/origin/main'])
    expect(await clone.revParse('refs/remotes/origin/main')).toBe(pushed)
  })

  it('pushes a fast-forward and reports a rejection when origin moved', async () => {
    const { origin, clone } = await originWithClone('a')
    const other = new Git(join(root, 'b'), { env: identityEnv })
    await other.clone(origin.cwd)

    const ours = await commitFile(clone, 'a.txt', 'a\n', 'ours')
    expect(await clone.push('origin', 'HEAD:refs/heads/main')).toEqual({ ok: true })
    expect(await origin.revParse('refs/heads/main')).toBe(ours)

    // `other` has not seen `ours`: git says "fetch first".
    await commitFile(other, 'b.txt', 'b\n', 'theirs')
    const fetchFirst = await other.push('origin', 'HEAD:refs/heads/main')
    expect(fetchFirst).toMatchObject({ ok: false, rejected: true })
    expect(fetchFirst.ok ? '' : fetchFirst.stderr).toMatch(/\[rejected\]/)

    // After a fetch it knows the remote is ahead: "non-fast-forward". Still a rejection, never forced.
    await other.fetch('origin')
    expect(await other.isAncestor(ours, 'refs/remotes/origin/main')).toBe(true)
    expect(await other.push('origin', 'HEAD:refs/heads/main')).toMatchObject({ ok: false, rejected: true })
    expect(await origin.revParse('refs/heads/main')).toBe(ours)
  })

  it('sets config for one push only: git reads it, and a name that looks like an option is refused', async () => {
    const { clone } = await originWithClone()
    await commitFile(clone, 'a.txt', 'a\n', 'configured')
    // git refuses a value it cannot read, which shows the setting reached it.
    const error = await clone.push('origin', 'HEAD:refs/heads/main', { config: { 'core.deltaBaseCacheLimit': 'lots' } }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GitError)
    expect((error as GitError).stderr).toMatch(/deltaBaseCacheLimit/i)
    await expect(clone.push('origin', 'HEAD:refs/heads/main', { config: { '--upload-pack': 'x' } })).rejects.toBeInstanceOf(TypeError)
    expect(await clone.push('origin', 'HEAD:refs/heads/main', { config: { 'core.deltaBaseCacheLimit': '256m' } })).toEqual({ ok: true })
  })

  it('pushes with the engine\'s settings without searching deltas: a changed file is sent whole', async () => {
    /** Pushes a one-line change to a large file and tells whether the origin received that blob as a delta. */
    async function sentAsDelta(name: string, config: Readonly<Record<string, string>>): Promise<boolean> {
      const { origin, clone } = await originWithClone(name)
      // Every push stays a pack on the origin (small pushes are otherwise unpacked into loose objects).
      await origin.config('receive.unpackLimit', '1')
      const lines = Array.from({ length: 2000 }, (_, index) => `record ${index} of a directory listing\n`)
      await commitFile(clone, 'big.txt', lines.join(''), 'big')
      expect(await clone.push('origin', 'HEAD:refs/heads/main')).toEqual({ ok: true })
      const changed = await commitFile(clone, 'big.txt', [...lines, 'one more\n'].join(''), 'one line more')
      const before = new Set(await packsOf(origin))
      expect(await clone.push('origin', 'HEAD:refs/heads/main', { config })).toEqual({ ok: true })
      const received = (await packsOf(origin)).filter((pack) => !before.has(pack))
      expect(received).toHaveLength(1)
      const blob = await origin.revParse(`${changed}:big.txt`)
      // verify-pack -v: `sha type size size-in-pack offset [depth base-sha]`, the last two only for a delta.
      const line = (await origin.run(['verify-pack', '-v', received[0]!])).split('\n').find((entry) => entry.startsWith(`${blob} `))
      expect(line).toBeDefined()
      return line!.trim().split(/\s+/).length > 5
    }
    // git's default searches the remote's version for a delta; the engine's setting does not look.
    expect(await sentAsDelta('default', {})).toBe(true)
    await rm(join(root, 'origin.git'), { recursive: true })
    await rm(join(root, 'seed'), { recursive: true })
    expect(await sentAsDelta('engine', PUSH_CONFIG)).toBe(false)
  })

  it('throws, rather than reporting a race, when the push fails for another reason', async () => {
    const { clone } = await originWithClone()
    await expect(clone.push('nowhere', 'HEAD:refs/heads/main')).rejects.toBeInstanceOf(GitError)
  })

  it('throws when a hook on the remote refuses the push', async () => {
    const { origin, clone } = await originWithClone()
    await writeFile(join(origin.cwd, 'hooks', 'pre-receive'), '#!/bin/sh\necho no >&2\nexit 1\n', { mode: 0o755 })
    await commitFile(clone, 'a.txt', 'a\n', 'refused')
    const error = await clone.push('origin', 'HEAD:refs/heads/main').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GitError)
    expect((error as GitError).stderr).toMatch(/remote rejected/)
  })

  it('clones an empty origin and fetches a named refspec', async () => {
    const origin = new Git(join(root, 'empty.git'))
    await origin.init({ bare: true, initialBranch: 'main' })
    const clone = new Git(join(root, 'c'))
    await clone.clone(origin.cwd, { bare: true })
    expect(await clone.headSha()).toBeNull()
    await clone.fetch('origin', ['+refs/heads/*:refs/remotes/origin/*'])
    expect(await clone.tryRevParse('refs/remotes/origin/main')).toBeNull()
  })
})

describe('Git: what the sync engine asks of a clone', () => {
  it('asks the remote for a branch tip, null when the branch is not there', async () => {
    const { origin, clone, first } = await originWithClone()
    expect(await clone.remoteBranchSha('origin', 'main')).toBe(first)
    expect(await clone.remoteBranchSha('origin', 'nope')).toBeNull()
    expect(await origin.isBare()).toBe(true)
    expect(await clone.isBare()).toBe(false)
    expect(await clone.currentBranch()).toBe('main')
    await clone.run(['checkout', '--quiet', '--detach'])
    expect(await clone.currentBranch()).toBeNull()
  })

  it('moves a ref only from the value it expects', async () => {
    const { clone, first } = await originWithClone()
    const second = await commitFile(clone, 'b.txt', 'b\n', 'second')
    await clone.updateRef('refs/heads/other', first, '0'.repeat(40))
    await expect(clone.updateRef('refs/heads/other', second, second)).rejects.toThrow(GitError)
    await clone.updateRef('refs/heads/other', second, first)
    expect(await clone.revParse('refs/heads/other')).toBe(second)
  })

  it('fast-forwards a checkout with its files, and refuses anything else', async () => {
    const { clone, first } = await originWithClone()
    const second = await commitFile(clone, 'b.txt', 'b\n', 'second')
    await clone.run(['reset', '--quiet', '--hard', first])
    expect(await clone.mergeFastForward(second)).toBe(true)
    expect(await readFile(join(clone.cwd, 'b.txt'), 'utf8')).toBe('b\n')
    await clone.run(['reset', '--quiet', '--hard', first])
    await commitFile(clone, 'c.txt', 'c\n', 'diverged')
    expect(await clone.mergeFastForward(second)).toBe(false)
  })

  it('limits log to commits committed since a time', async () => {
    const { clone } = await originWithClone()
    const at = (iso: string) => ({ GIT_COMMITTER_DATE: iso })
    await clone.run(['commit', '--quiet', '--allow-empty', '-m', 'old'], { env: at('2020-01-01T00:00:00Z') })
    await clone.run(['commit', '--quiet', '--allow-empty', '-m', 'new'], { env: at('2030-01-01T00:00:00Z') })
    expect(await clone.log({ format: '%s', since: new Date('2029-12-31T23:59:59Z') })).toEqual(['new'])
    expect(await clone.log({ format: '%s', since: new Date('2030-01-01T00:00:00Z') })).toEqual(['new'])
    expect(await clone.log({ format: '%s', since: new Date('2030-01-01T00:00:01Z') })).toEqual([])
  })

  it('deepens a shallow clone back to a time', async () => {
    const { origin, clone } = await originWithClone()
    for (const [i, iso] of ['2021-01-01', '2022-01-01', '2023-01-01'].entries()) {
      await clone.run(['commit', '--quiet', '--allow-empty', '-m', `c${i}`], { env: { GIT_COMMITTER_DATE: `${iso}T00:00:00Z` } })
    }
    await clone.run(['push', '--quiet', 'origin', 'main'])
    const shallow = new Git(join(root, 'shallow'))
    await shallow.clone(`file://${origin.cwd}`, { depth: 1 })
    expect(await shallow.isShallow()).toBe(true)
    expect(await shallow.log({ format: '%s' })).toEqual(['c2'])
    await shallow.fetch('origin', ['+refs/heads/main:refs/remotes/origin/main'], { shallowSince: new Date('2021-06-01T00:00:00Z') })
    expect(await shallow.log({ format: '%s', rev: 'refs/remotes/origin/main' })).toEqual(['c2', 'c1'])
    await shallow.fetch('origin', [], { unshallow: true })
    expect(await shallow.isShallow()).toBe(false)
  })
})
