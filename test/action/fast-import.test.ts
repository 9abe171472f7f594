import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildFastImportStream, fastImport, PARALLEL_MIN_COMMITS, safePath, type FastImportCommit } from '../../action/fast-import.ts'
import { Git, GitError } from '../../action/git.ts'

const committer = { name: 'accelerando-syncer', email: 'syncer@accelerando.invalid' }

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'accelerando-fast-import-'))
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

async function emptyOriginAndClone(): Promise<{ origin: Git; clone: Git }> {
  const origin = new Git(join(root, 'origin.git'))
  await origin.init({ bare: true, initialBranch: 'main' })
  const clone = new Git(join(root, 'clone.git'))
  await clone.clone(origin.cwd, { bare: true })
  return { origin, clone }
}

function commit(overrides: Partial<FastImportCommit> & Pick<FastImportCommit, 'files'>): FastImportCommit {
  return {
    author: { name: 'Invoice Bot', email: 'bot@acme.example' },
    authorDate: '2026-06-25T16:54:37.616Z',
    committer,
    committerDate: '2026-06-25T17:00:00Z',
    message: 'a commit',
    ...overrides,
  }
}

/** Every file of a commit's tree with its content. */
async function treeOf(git: Git, rev: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {}
  for (const entry of await git.lsTree(rev)) files[entry.path] = await git.catFile(entry.sha)
  return files
}

describe('fastImport', () => {
  it('writes 300 commits in order with exact authors, dates, messages and trees', async () => {
    const { origin, clone } = await emptyOriginAndClone()
    const [base] = await fastImport(clone, {
      ref: 'refs/heads/main',
      commits: [commit({ message: 'base', files: [{ path: 'README', content: 'data repository\n' }] })],
    })
    expect((await clone.push('origin', 'refs/heads/main:refs/heads/main')).ok).toBe(true)

    // Expected state after each commit, built alongside the commits.
    const state: Record<string, string> = { README: 'data repository\n' }
    const expectedTrees: Record<string, string>[] = []
    const commits: FastImportCommit[] = []
    const start = Date.parse('2026-06-25T00:00:00.000Z')
    for (let i = 0; i < 300; i++) {
      const files: FastImportCommit['files'][number][] = []
      const put = (path: string, content: string) => {
        files.push({ path, content })
        state[path] = content
      }
      put(`data/acme/Invoice/${String(i).padStart(4, '0')}.agi`, `RECORD Invoice ${i} {\n  total : ${i}.00\n}\n`)
      if (i % 7 === 0) put(`data/acme/Note/ünï-${i}.agi`, `Grüße, 請求書 №${i} 🧾`) // unicode path and content, no trailing newline
      if (i % 11 === 0) put(`data/acme/Empty/${i}.agi`, '')
      if (i % 5 === 4) {
        const gone = `data/acme/Invoice/${String(i - 3).padStart(4, '0')}.agi`
        files.push({ path: gone, delete: true })
        delete state[gone]
      }
      commits.push({
        author: { name: `Agent ${i} Ørsted`, email: `agent${i}@tenant.example` },
        authorDate: new Date(start + i * 1000 + 999), // the milliseconds must be dropped
        committer,
        committerDate: '2026-06-26T08:00:00Z',
        message: i % 2 === 0 ? `edit Invoice ${i}: status → paid` : `create Invoice ${i}\n\nAccelerando-Entry: oid-${i}\nAccelerando-Tenant: acme\n\n\n`,
        files,
      })
      expectedTrees.push({ ...state })
    }

    const shas = await fastImport(clone, { ref: 'refs/heads/main', parent: base!, commits })
    expect(shas).toHaveLength(300)
    expect(new Set(shas).size).toBe(300)
    expect(await clone.revParse('refs/heads/main')).toBe(shas[299])

    const log = await clone.log({ rev: 'refs/heads/main', reverse: true, format: '%H%x1f%P%x1f%an%x1f%ae%x1f%at%x1f%cn%x1f%ce%x1f%ct%x1f%B' })
    expect(log).toHaveLength(301)
    log.slice(1).forEach((record, i) => {
      const [sha, parent, an, ae, ad, cn, ce, cd, body] = record.split('\x1f')
      expect(sha).toBe(shas[i])
      expect(parent).toBe(i === 0 ? base : shas[i - 1])
      expect([an, ae]).toEqual([`Agent ${i} Ørsted`, `agent${i}@tenant.example`])
      expect(ad).toBe(`${(start + i * 1000) / 1000}`)
      expect([cn, ce, cd]).toEqual([committer.name, committer.email, `${Date.parse('2026-06-26T08:00:00Z') / 1000}`])
      expect(body).toBe(
        i % 2 === 0 ? `edit Invoice ${i}: status → paid\n` : `create Invoice ${i}\n\nAccelerando-Entry: oid-${i}\nAccelerando-Tenant: acme\n`,
      )
    })
    // A few trees checked completely: the first, around deletes, and the last.
    for (const i of [0, 4, 7, 11, 154, 299]) expect(await treeOf(clone, shas[i]!)).toEqual(expectedTrees[i])

    // The trailers git itself parses are the ones the sync engine will search for.
    expect(await clone.log({ rev: shas[1]!, maxCount: 1, format: '%(trailers:key=Accelerando-Entry,valueonly)' })).toEqual(['oid-1\n'])

    expect(await clone.push('origin', 'refs/heads/main:refs/heads/main')).toEqual({ ok: true })
    expect(await origin.revParse('refs/heads/main')).toBe(shas[299])
  })

  it('starts a root commit in an empty repository and the result pushes', async () => {
    const { origin, clone } = await emptyOriginAndClone()
    expect(await clone.headSha()).toBeNull()
    const shas = await fastImport(clone, {
      ref: 'refs/heads/main',
      parent: null,
      commits: [
        commit({ message: 'first', files: [{ path: 'data/a.agi', content: 'a' }] }),
        commit({ message: 'second', files: [{ path: 'data/b.agi', content: 'b' }, { path: 'data/a.agi', delete: true }] }),
      ],
    })
    expect(await clone.headSha()).toBe(shas[1])
    expect(await clone.run(['rev-list', '--parents', shas[0]!])).toBe(`${shas[0]}\n`)
    expect(await treeOf(clone, shas[1]!)).toEqual({ 'data/b.agi': 'b' })
    expect(await clone.push('origin', 'refs/heads/main:refs/heads/main')).toEqual({ ok: true })
    expect(await origin.revParse('refs/heads/main')).toBe(shas[1])
  })

  it('writes the message with exactly one trailing newline and raw dates', async () => {
    const { clone } = await emptyOriginAndClone()
    const [sha] = await fastImport(clone, {
      ref: 'refs/heads/main',
      commits: [commit({ message: 'no newline', files: [] }), commit({ message: 'many\n\n\n\n', files: [] })],
    })
    const raw = await clone.catFile(sha!, 'commit')
    expect(raw).toContain(`\nauthor Invoice Bot <bot@acme.example> ${Math.floor(Date.parse('2026-06-25T16:54:37.616Z') / 1000)} +0000\n`)
    expect(raw.endsWith('\n\nno newline\n')).toBe(true)
    const second = await clone.catFile('refs/heads/main', 'commit')
    expect(second.endsWith('\n\nmany\n')).toBe(true)
  })

  it('honours given marks and returns SHAs in input order', async () => {
    const { clone } = await emptyOriginAndClone()
    const shas = await fastImport(clone, {
      ref: 'refs/heads/main',
      commits: [commit({ mark: 2, message: 'one', files: [] }), commit({ message: 'two', files: [] }), commit({ mark: 1, message: 'three', files: [] })],
    })
    expect(await clone.log({ rev: 'refs/heads/main', format: '%H %s', reverse: true })).toEqual([`${shas[0]} one`, `${shas[1]} two`, `${shas[2]} three`])
    expect(() => buildFastImportStream({ ref: 'refs/heads/main', commits: [commit({ mark: 3, files: [] }), commit({ mark: 3, files: [] })] })).toThrow(/used twice/)
    expect(() => buildFastImportStream({ ref: 'refs/heads/main', commits: [commit({ mark: 0, files: [] })] })).toThrow(/positive integer/)
  })

  it('refuses to move a ref whose tip is not an ancestor unless forced', async () => {
    const { clone } = await emptyOriginAndClone()
    const [base] = await fastImport(clone, { ref: 'refs/heads/main', commits: [commit({ message: 'base', files: [] })] })
    const [stale] = await fastImport(clone, { ref: 'refs/heads/main', parent: base!, commits: [commit({ message: 'stale', files: [] })] })
    const [other] = await fastImport(clone, { ref: 'refs/heads/other', parent: base!, commits: [commit({ message: 'moved', files: [] })] })

    const rebuild = { ref: 'refs/heads/main', parent: other!, commits: [commit({ message: 'rebuilt', files: [] })] }
    await expect(fastImport(clone, rebuild)).rejects.toBeInstanceOf(GitError)
    expect(await clone.revParse('refs/heads/main')).toBe(stale)

    const [rebuilt] = await fastImport(clone, { ...rebuild, force: true })
    expect(await clone.revParse('refs/heads/main')).toBe(rebuilt)
    expect(await clone.revParse('refs/heads/main~1')).toBe(other)
  })

  it('returns no SHAs and starts no git for no commits', async () => {
    const git = new Git(join(root, 'not-a-repo'))
    expect(await fastImport(git, { ref: 'refs/heads/main', commits: [] })).toEqual([])
  })

  it('rejects a bad ref, parent, identity or date before git runs', async () => {
    const { clone } = await emptyOriginAndClone()
    const ok = commit({ files: [] })
    await expect(fastImport(clone, { ref: 'refs/heads/ma in', commits: [ok] })).rejects.toThrow()
    await expect(fastImport(clone, { ref: 'refs/heads/a..b', commits: [ok] })).rejects.toBeInstanceOf(GitError)
    await expect(fastImport(clone, { ref: 'main', commits: [ok] })).rejects.toThrow(/full ref/)
    await expect(fastImport(clone, { ref: 'refs/heads/main', parent: 'HEAD\nM 100644 inline x', commits: [ok] })).rejects.toThrow(/full commit SHA/)
    const bad: Partial<FastImportCommit>[] = [
      { author: { name: 'Eve <eve@x>', email: 'e@x' } },
      { author: { name: 'Eve\ncommitter Mallory', email: 'e@x' } },
      { author: { name: '  ', email: 'e@x' } },
      { committer: { name: 'C', email: 'c>@x' } },
      { authorDate: 'yesterday' },
      { committerDate: new Date(Number.NaN) },
    ]
    for (const override of bad) {
      await expect(fastImport(clone, { ref: 'refs/heads/main', commits: [commit({ ...override, files: [] })] })).rejects.toThrow(TypeError)
    }
    expect(await clone.headSha()).toBeNull()
  })

  it('rejects paths that would need quoting or escape the tree', async () => {
    for (const path of ['', '/etc/passwd', 'a/../b', '..', './a', 'a//b', 'a/', 'a\nb', 'a\rb', 'a"b', '"a', 'a\\b', 'a\tb', 'a\x00b', '.git/config', 'x/.GIT/hooks/pre-commit']) {
      expect(() => safePath(path), JSON.stringify(path)).toThrow(/unsafe path/)
    }
    for (const path of ['data/acme/Invoice/0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001.agi', 'ünï/請求書 1.agi', '.gitignore', 'a/.github/x', 'a b', '...x']) {
      expect(safePath(path)).toBe(path)
    }
    const { clone } = await emptyOriginAndClone()
    await expect(fastImport(clone, { ref: 'refs/heads/main', commits: [commit({ files: [{ path: 'a/../../b', content: 'x' }] })] })).rejects.toThrow(/unsafe path/)
    await expect(fastImport(clone, { ref: 'refs/heads/main', commits: [commit({ files: [{ path: '/x', delete: true }] })] })).rejects.toThrow(/unsafe path/)
    expect(await clone.headSha()).toBeNull()
  })
})

describe('fastImport in parallel', () => {
  /**
   * Commits over four tenants as the engine writes them: creates, edits and deletes, a tenant emptied and
   * filled again, a commit touching two tenants (a batch commit does), unicode paths.
   */
  function tenantCommits(count: number): FastImportCommit[] {
    const tenants = ['acme', 'globex', 'initech', 'umbrella']
    const live = new Map<string, string[]>(tenants.map((tenant) => [tenant, []]))
    const commits: FastImportCommit[] = []
    for (let i = 0; i < count; i++) {
      const tenant = tenants[(i * 7) % 4] as string
      const files: FastImportCommit['files'][number][] = []
      const paths = live.get(tenant) as string[]
      if (tenant === 'initech' && i > count / 2 && i < (3 * count) / 4) {
        // Empty the tenant: its directory, and then data/initech, disappear.
        for (const path of paths.splice(0)) files.push({ path, delete: true })
        if (files.length === 0) files.push({ path: `data/${tenant}/Customer/tmp-${i}.agi`, content: `tmp ${i}\n` }, { path: `data/${tenant}/Customer/tmp-${i}.agi`, delete: true })
      } else if (i % 5 === 3 && paths.length > 0) {
        files.push({ path: paths.splice(i % paths.length, 1)[0] as string, delete: true })
      } else if (i % 5 === 2 && paths.length > 0) {
        files.push({ path: paths[(i * 3) % paths.length] as string, content: `edited ${i}\n` })
      } else {
        const path = `data/${tenant}/${i % 2 === 0 ? 'Invoice' : 'Kündé'}/${String(i).padStart(5, '0')}.agi`
        paths.push(path)
        files.push({ path, content: `RECORD ${i}\n` })
      }
      if (i % 50 === 49) {
        const other = `data/umbrella/Batch/${i}.agi`
        ;(live.get('umbrella') as string[]).push(other)
        files.push({ path: other, content: `batch ${i}\n` })
      }
      commits.push(commit({ message: `entry ${i}`, authorDate: new Date(Date.parse('2026-06-25T00:00:00Z') + i * 1000), files }))
    }
    return commits
  }

  async function baseRepo(name: string): Promise<{ git: Git; base: string }> {
    const git = new Git(join(root, name))
    await git.init({ bare: true, initialBranch: 'main' })
    const [base] = await fastImport(git, {
      ref: 'refs/heads/main',
      commits: [commit({ message: 'base', files: [{ path: 'README', content: 'books\n' }, { path: 'data/acme/Customer/seed.agi', content: 'seed\n' }, { path: 'data/globex/Customer/seed.agi', content: 'seed\n' }] })],
    })
    return { git, base: base as string }
  }

  it('writes exactly the commits one process writes, SHA for SHA, and leaves no partial refs', async () => {
    const commits = tenantCommits(600)
    const one = await baseRepo('one.git')
    const many = await baseRepo('many.git')
    expect(many.base).toBe(one.base)
    const sequential = await fastImport(one.git, { ref: 'refs/heads/main', parent: one.base, commits })
    const parallel = await fastImport(many.git, { ref: 'refs/heads/main', parent: many.base, commits, parallel: 3 })
    expect(parallel).toEqual(sequential)
    // The partial chains were built by processes of their own (each writes a pack), then assembled.
    const packs = async (git: Git) => Number(/^packs: (\d+)$/m.exec(await git.run(['count-objects', '-v']))?.[1])
    expect(await packs(many.git)).toBe((await packs(one.git)) + 3)
    expect(await many.git.revParse('refs/heads/main')).toBe(sequential.at(-1))
    expect(await many.git.run(['for-each-ref', '--format=%(refname)'])).toBe('refs/heads/main\n')
    await many.git.run(['fsck', '--no-dangling', '--connectivity-only'])
  })

  it('starts from an empty repository, and stays one process when it cannot split', async () => {
    const commits = tenantCommits(PARALLEL_MIN_COMMITS)
    const one = new Git(join(root, 'empty-one.git'))
    const many = new Git(join(root, 'empty-many.git'))
    for (const git of [one, many]) await git.init({ bare: true, initialBranch: 'main' })
    expect(await fastImport(many, { ref: 'refs/heads/main', commits, parallel: 2 })).toEqual(await fastImport(one, { ref: 'refs/heads/main', commits }))

    // A file outside data/<tenant>/..., or a single tenant: one process (same result either way).
    const mixed = [...commits.slice(0, PARALLEL_MIN_COMMITS - 1), commit({ files: [{ path: 'README', content: 'x\n' }] })]
    const a = await baseRepo('mixed-a.git')
    const b = await baseRepo('mixed-b.git')
    expect(await fastImport(b.git, { ref: 'refs/heads/main', parent: b.base, commits: mixed, parallel: 4 })).toEqual(
      await fastImport(a.git, { ref: 'refs/heads/main', parent: a.base, commits: mixed }),
    )
  })

  it('refuses bad input before any git runs', async () => {
    const { git, base } = await baseRepo('bad.git')
    const commits = tenantCommits(PARALLEL_MIN_COMMITS)
    commits[100] = { ...(commits[100] as FastImportCommit), author: { name: 'Bad <name>', email: 'x@y' } }
    await expect(fastImport(git, { ref: 'refs/heads/main', parent: base, commits, parallel: 2 })).rejects.toThrow(/author name/)
    expect(await git.revParse('refs/heads/main')).toBe(base)
    expect(await git.run(['for-each-ref', '--format=%(refname)'])).toBe('refs/heads/main\n')
  })
})

describe('buildFastImportStream', () => {
  it('frames data by UTF-8 byte length, not string length', () => {
    const content = 'é🧾\n'
    const { stream } = buildFastImportStream({
      ref: 'refs/heads/main',
      commits: [commit({ message: 'ü', files: [{ path: 'f', content }, { path: 'g', delete: true }] })],
    })
    const text = stream.toString('utf8')
    expect(content.length).toBe(4)
    expect(text).toContain(`M 100644 inline f\ndata 7\n${content}\n`)
    expect(text).toContain('data 3\nü\n\n')
    expect(text).toContain('\nD g\n')
    expect(text.endsWith('\ndone\n')).toBe(true)
    expect(text).not.toContain('from ')
  })

  it('chains on the parent with `from` once, for the first commit only', () => {
    const parent = 'a'.repeat(40)
    const { stream } = buildFastImportStream({ ref: 'refs/heads/main', parent, commits: [commit({ files: [] }), commit({ files: [] })] })
    expect(stream.toString('utf8').split(`from ${parent}\n`)).toHaveLength(2)
  })

  it('makes a stream cut short an error in git, not a shorter history', async () => {
    const git = new Git(join(root, 'r'))
    await git.init({ initialBranch: 'main' })
    const { stream } = buildFastImportStream({
      ref: 'refs/heads/main',
      commits: [commit({ message: 'one', files: [] }), commit({ message: 'two', files: [] })],
    })
    const truncated = stream.subarray(0, stream.length - 'done\n'.length)
    await expect(git.run(['fast-import', '--quiet', '--done'], { input: truncated })).rejects.toThrow(/done/)
    // A stream cut inside a data block is an error too.
    await expect(git.run(['fast-import', '--quiet', '--done'], { input: stream.subarray(0, 150) })).rejects.toBeInstanceOf(GitError)
    expect(await git.headSha()).toBeNull()
    await git.run(['fast-import', '--quiet', '--done'], { input: stream })
    expect(await git.log({ format: '%s', rev: 'refs/heads/main' })).toEqual(['two', 'one'])
  })
})
