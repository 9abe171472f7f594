import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UsageError } from '../../action/cli/command.ts'
import { runLogCommand } from '../../action/cli/log.ts'
import type { CliEnvironment } from '../../action/cli/reconcile-command.ts'
import { fastImport, type FastImportCommit, type Identity } from '../../action/fast-import.ts'
import { Git } from '../../action/git.ts'
import { recordPathspec } from '../../action/record-history.ts'
import { gitPathOfRecordKey, recordKey } from '../../shared/keys.ts'
import { ERP_SCHEMA } from '../../shared/schema/index.ts'
import { customerText } from './support/entries.ts'

const MAIN = fileURLToPath(new URL('../../action/cli/main.ts', import.meta.url))

const ADA: Identity = { name: 'Ada Lovelace', email: 'ada@acme.example' }
const BOB: Identity = { name: 'Bob', email: 'bob@acme.example' }
const SYNCER: Identity = { name: 'accelerando-syncer', email: 'accelerando-syncer@users.noreply.github.com' }
const GRACE: Identity = { name: 'Grace Hopper', email: 'grace@globex.example' }

/** Kept by acme from before the sharded layout; globex has a record with the same id. */
const MOVED = '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001'
/** acme only, always at its sharded path. */
const SHARDED = '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2e7a4'
/** In acme only, and moved with a change of content. */
const REWRITTEN = '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2b55b'

const flatPath = (tenant: string, id: string) => recordKey(ERP_SCHEMA, tenant, 'Customer', id)
const shardedPath = (tenant: string, id: string) => gitPathOfRecordKey(flatPath(tenant, id))

function commit(author: Identity, authorDate: string, message: string, files: FastImportCommit['files']): FastImportCommit {
  return { author, authorDate, committer: SYNCER, committerDate: authorDate, message, files }
}

/** Oldest first: the history of a data repository that was written flat, then repaired into the sharded layout. */
const HISTORY: FastImportCommit[] = [
  commit(ADA, '2026-03-01T09:00:00.000Z', `create Customer ${MOVED}`, [{ path: flatPath('acme', MOVED), content: customerText('acme', MOVED, 'Ada & Co', '2026-03-01T09:00:00.000Z') }]),
  commit(BOB, '2026-03-02T10:30:00.000Z', `create Customer ${REWRITTEN}`, [{ path: flatPath('acme', REWRITTEN), content: customerText('acme', REWRITTEN, 'Bob Ltd', '2026-03-02T10:30:00.000Z') }]),
  commit(BOB, '2026-03-03T11:00:00.000Z', `edit Customer ${MOVED}: name → Ada and Company`, [
    { path: flatPath('acme', MOVED), content: customerText('acme', MOVED, 'Ada and Company', '2026-03-01T09:00:00.000Z') },
  ]),
  commit(SYNCER, '2026-03-04T00:00:00.000Z', 'reconcile: 2 files out of place', [
    { path: flatPath('acme', MOVED), delete: true },
    { path: shardedPath('acme', MOVED), content: customerText('acme', MOVED, 'Ada and Company', '2026-03-01T09:00:00.000Z') },
    { path: flatPath('acme', REWRITTEN), delete: true },
    { path: shardedPath('acme', REWRITTEN), content: customerText('acme', REWRITTEN, 'Bob Limited', '2026-03-04T00:00:00.000Z') },
  ]),
  commit(ADA, '2026-03-05T08:15:00.000Z', `create Customer ${SHARDED}`, [{ path: shardedPath('acme', SHARDED), content: customerText('acme', SHARDED, 'Third', '2026-03-05T08:15:00.000Z') }]),
  commit(GRACE, '2026-03-06T12:00:00.000Z', `create Customer ${MOVED}`, [{ path: shardedPath('globex', MOVED), content: customerText('globex', MOVED, 'Globex', '2026-03-06T12:00:00.000Z') }]),
  commit(ADA, '2026-03-07T16:45:00.000Z', `edit Customer ${MOVED}: name → Ada & Daughters`, [
    { path: shardedPath('acme', MOVED), content: customerText('acme', MOVED, 'Ada & Daughters', '2026-03-01T09:00:00.000Z') },
  ]),
]

let root: string
/** A checkout of the data repository, files and all. */
let repo: Git
let shas: string[]

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'accelerando-log-'))
  repo = new Git(join(root, 'books'))
  await repo.init({ initialBranch: 'main' })
  shas = await fastImport(repo, { ref: 'refs/heads/main', commits: HISTORY })
  await repo.run(['reset', '--quiet', '--hard', 'main'])
})

afterAll(() => rm(root, { recursive: true, force: true }))

type Recorded = CliEnvironment & { lines: string[]; errors: string[] }

function environment(cwd = repo.cwd): Recorded {
  const lines: string[] = []
  const errors: string[] = []
  return { env: {}, cwd, projectDir: cwd, out: (line) => lines.push(line), err: (line) => errors.push(line), lines, errors }
}

/** `accelerando log …` as a user runs it, in `cwd`. */
function accelerando(args: string[], cwd = repo.cwd) {
  const result = spawnSync(process.execPath, [MAIN, 'log', ...args], { cwd, encoding: 'utf8' })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

const short = (sha: string) => sha.slice(0, 7)

describe('accelerando log', () => {
  it("prints the record's commits newest first, with author, date and subject, across its move to the sharded path", () => {
    const { status, stdout, stderr } = accelerando([`Customer/${MOVED}`, '--tenant', 'acme'])
    expect(stderr).toBe('')
    expect(status).toBe(0)
    // The author column is as wide as the longest name.
    expect(stdout.split('\n')).toEqual([
      `${short(shas[6]!)}  Ada Lovelace        2026-03-07T16:45:00+00:00  edit Customer ${MOVED}: name → Ada & Daughters`,
      `${short(shas[3]!)}  accelerando-syncer  2026-03-04T00:00:00+00:00  reconcile: 2 files out of place`,
      `${short(shas[2]!)}  Bob                 2026-03-03T11:00:00+00:00  edit Customer ${MOVED}: name → Ada and Company`,
      `${short(shas[0]!)}  Ada Lovelace        2026-03-01T09:00:00+00:00  create Customer ${MOVED}`,
      '',
    ])
  })

  it('leaves out the commits of other records, and of the same id in another tenant or entity', async () => {
    const env = environment()
    expect(await runLogCommand([`Customer/${SHARDED}`], env)).toBe(0)
    expect(env.lines).toEqual([`${short(shas[4]!)}  Ada Lovelace  2026-03-05T08:15:00+00:00  create Customer ${SHARDED}`])

    const globex = environment()
    expect(await runLogCommand([`Customer/${MOVED}`, '--tenant', 'globex'], globex)).toBe(0)
    expect(globex.lines).toEqual([`${short(shas[5]!)}  Grace Hopper  2026-03-06T12:00:00+00:00  create Customer ${MOVED}`])

    const otherEntity = environment()
    expect(await runLogCommand([`Invoice/${SHARDED}`], otherEntity)).toBe(1)
    expect(otherEntity.errors).toEqual([`no history for Invoice/${SHARDED}: no commit on HEAD touches it in any tenant (tenants on HEAD: acme, globex)`])
  })

  it('finds the tenant by itself when only one has the record, and follows a move that changed the content', async () => {
    const env = environment()
    expect(await runLogCommand([`Customer/${REWRITTEN}`, '--patch'], env)).toBe(0)
    const text = env.lines.join('\n')
    expect(env.lines[0]).toBe(`${short(shas[3]!)}  accelerando-syncer  2026-03-04T00:00:00+00:00  reconcile: 2 files out of place`)
    expect(text).toContain(`${short(shas[1]!)}  Bob                 2026-03-02T10:30:00+00:00  create Customer ${REWRITTEN}`)
    // Too changed for git to call it a rename: the old path's deletion and the new one's creation, both shown.
    expect(text).toContain(`--- a/${flatPath('acme', REWRITTEN)}\n+++ /dev/null`)
    expect(text).toContain(`--- /dev/null\n+++ b/${shardedPath('acme', REWRITTEN)}`)
    expect(text).toMatch(/^-  name +: "Bob Ltd"$/m)
    expect(text).toMatch(/^\+  name +: "Bob Limited"$/m)
    // Nothing of the other record that moved in the same commit.
    expect(text).not.toContain(MOVED)
  })

  it("--patch shows each commit's diff of the record", async () => {
    const env = environment()
    expect(await runLogCommand([`Customer/${MOVED}`, '--tenant', 'acme', '--patch'], env)).toBe(0)
    const text = env.lines.join('\n')
    const [newest, move, edit, create] = text.split(/\n\n(?=[0-9a-f]{7}  )/)
    expect(newest).toMatch(/^-  name +: "Ada and Company"$/m)
    expect(newest).toMatch(/^\+  name +: "Ada & Daughters"$/m)
    expect(move).toContain(`rename from ${flatPath('acme', MOVED)}\nrename to ${shardedPath('acme', MOVED)}`)
    expect(edit).toMatch(/^-  name +: "Ada & Co"$/m)
    expect(create).toContain('new file mode 100644')
    expect(create).toMatch(/^\+  name +: "Ada & Co"$/m)
    expect(text).not.toContain('globex')
  })

  it('--json prints an array of commits, with the patches when asked', async () => {
    const env = environment()
    expect(await runLogCommand([`Customer/${MOVED}`, '--tenant', 'acme', '--json'], env)).toBe(0)
    const commits = JSON.parse(env.lines.join('\n'))
    expect(commits).toHaveLength(4)
    expect(commits[0]).toEqual({
      sha: shas[6],
      shortSha: short(shas[6]!),
      authorName: 'Ada Lovelace',
      authorEmail: 'ada@acme.example',
      date: '2026-03-07T16:45:00+00:00',
      subject: `edit Customer ${MOVED}: name → Ada & Daughters`,
      path: shardedPath('acme', MOVED),
    })
    expect(commits.map((c: { authorEmail: string }) => c.authorEmail)).toEqual(['ada@acme.example', SYNCER.email, 'bob@acme.example', 'ada@acme.example'])

    const patched = environment()
    expect(await runLogCommand([`Customer/${MOVED}`, '--tenant', 'acme', '--json', '--patch'], patched)).toBe(0)
    const withPatches = JSON.parse(patched.lines.join('\n'))
    expect(withPatches.map((c: { sha: string }) => c.sha)).toEqual([shas[6], shas[3], shas[2], shas[0]])
    expect(withPatches[3].patch).toMatch(/^diff --git a\/data\/acme\/Customer\/0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001\.agi b\/data\/acme\/Customer\/0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001\.agi\nnew file mode 100644\n/)
  })

  it('asks for --tenant when several tenants have the record, and says which', async () => {
    await expect(runLogCommand([`Customer/${MOVED}`], environment())).rejects.toThrow(
      new UsageError(`Customer/${MOVED} has history in 2 tenants (acme, globex): choose one with --tenant <tenant>`),
    )
    const { status, stdout, stderr } = accelerando([`Customer/${MOVED}`])
    expect(status).toBe(2)
    expect(stdout).toBe('')
    expect(stderr).toContain('has history in 2 tenants (acme, globex): choose one with --tenant <tenant>')
    expect(stderr).toContain('usage: accelerando log <Entity>/<id>')
  })

  it('exits 1 with a message when no commit touches the record', async () => {
    const unknown = '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2ffff'
    const { status, stdout, stderr } = accelerando([`Customer/${unknown}`])
    expect(status).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toBe(`no history for Customer/${unknown}: no commit on HEAD touches it in any tenant (tenants on HEAD: acme, globex)\n`)

    const elsewhere = environment()
    expect(await runLogCommand([`Customer/${REWRITTEN}`, '--tenant', 'globex'], elsewhere)).toBe(1)
    expect(elsewhere.errors).toEqual([
      `no history for Customer/${REWRITTEN} in tenant globex: no commit on HEAD touches ${shardedPath('globex', REWRITTEN)} or an earlier path of it; it has history in tenant acme (--tenant acme)`,
    ])

    const empty = new Git(join(root, 'empty'))
    await empty.init({ initialBranch: 'main' })
    const none = environment(empty.cwd)
    expect(await runLogCommand([`Customer/${MOVED}`], none)).toBe(1)
    expect(none.errors).toEqual([`no history for Customer/${MOVED}: ${empty.cwd} has no commits yet`])
  })

  it.each([
    ['no record', [], 'which record? give it as <Entity>/<id>'],
    ['two records', [`Customer/${MOVED}`, `Customer/${SHARDED}`], 'one record at a time, got 2'],
    ['a path instead of <Entity>/<id>', [`data/acme/Customer/${MOVED}.agi`], 'expected <Entity>/<id>, such as Invoice/'],
    ['an entity name that cannot be one', [`Cus-tomer/${MOVED}`], 'invalid entity "Cus-tomer": an entity name is a letter followed by'],
    ['an id in capitals', [`Customer/${MOVED.toUpperCase()}`], `invalid id "${MOVED.toUpperCase()}": expected a lowercase UUID`],
    ['an id that is no UUID', ['Customer/42'], 'invalid id "42": expected a lowercase UUID'],
    ['a glob in the tenant', [`Customer/${MOVED}`, '--tenant', '*'], 'invalid tenant "*"'],
    ['an unknown option', [`Customer/${MOVED}`, '--follow'], "Unknown option '--follow'"],
  ])('refuses %s as a usage mistake (exit code 2)', async (_what, args, message) => {
    const error = await runLogCommand(args, environment()).then(
      () => null,
      (thrown: unknown) => thrown,
    )
    expect((error as Error).message).toContain(message)
    // The CLI answers both with the usage and exit code 2.
    expect(error instanceof UsageError || String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')).toBe(true)
  })

  it('shows its usage with --help, and exits 2 for a bad id or outside a repository', async () => {
    const help = accelerando(['--help'])
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/^accelerando log <Entity>\/<id> \[--tenant <tenant>\] \[--patch\] \[--json\] \[--repo <clone>\]\n/)

    const badId = accelerando(['Customer/not-a-uuid'])
    expect(badId.status).toBe(2)
    expect(badId.stderr).toMatch(/^accelerando log: invalid id "not-a-uuid": expected a lowercase UUID/)

    const outside = await mkdtemp(join(tmpdir(), 'accelerando-not-a-repo-'))
    try {
      await expect(runLogCommand([`Customer/${MOVED}`, '--repo', outside], environment())).rejects.toThrow(
        new UsageError(`${outside} is not a git repository: run this in a clone of the data repository, or pass --repo <clone>`),
      )
    } finally {
      await rm(outside, { recursive: true, force: true })
    }
  })

  it('works from any folder of the clone, from elsewhere with --repo, and in a bare repository', async () => {
    const inside = accelerando([`Customer/${SHARDED}`], join(repo.cwd, 'data', 'acme', 'Customer'))
    expect(inside.status).toBe(0)
    expect(inside.stdout).toBe(`${short(shas[4]!)}  Ada Lovelace  2026-03-05T08:15:00+00:00  create Customer ${SHARDED}\n`)

    const fromRoot = environment(root)
    expect(await runLogCommand([`Customer/${SHARDED}`, '--repo', 'books'], fromRoot)).toBe(0)
    expect(fromRoot.lines).toHaveLength(1)

    // The development loop's bare origin, say.
    const bare = new Git(join(root, 'books.git'))
    await bare.clone(repo.cwd, { bare: true })
    const fromBare = environment(bare.cwd)
    expect(await runLogCommand([`Customer/${MOVED}`, '--tenant', 'acme'], fromBare)).toBe(0)
    expect(fromBare.lines).toHaveLength(4)
  })

  it('warns that a shallow clone is missing older commits', async () => {
    const shallow = new Git(join(root, 'shallow'))
    await shallow.clone(`file://${repo.cwd}`, { depth: 1 })
    const env = environment(shallow.cwd)
    expect(await runLogCommand([`Customer/${MOVED}`, '--tenant', 'acme'], env)).toBe(0)
    expect(env.errors).toEqual(['warning: this clone is shallow, so older commits are missing from it (git fetch --unshallow)'])
    expect(env.lines).toHaveLength(1)
  })
})

describe('recordPathspec', () => {
  it("covers the record's flat and sharded paths in one tenant, or in every tenant", () => {
    expect(recordPathspec('Customer', MOVED, 'acme')).toBe(`:(top,glob)data/acme/Customer/**/${MOVED}.agi`)
    expect(recordPathspec('Customer', MOVED)).toBe(`:(top,glob)data/*/Customer/**/${MOVED}.agi`)
    expect(() => recordPathspec('Customer', '*')).toThrow(/invalid id/)
    expect(() => recordPathspec('Cust[o]mer', MOVED)).toThrow(/invalid entity/)
  })
})
