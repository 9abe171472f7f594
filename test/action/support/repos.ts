/**
 * Real git repositories for the engine's tests: a bare `origin` and clones of it, in a temp dir.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fastImport } from '../../../action/fast-import.ts'
import { Git } from '../../../action/git.ts'
import { recordKeyOfGitPath } from '../../../shared/keys.ts'

export const SEED_IDENTITY = { name: 'Data Repo Owner', email: 'owner@data.example' }

export interface Repos {
  root: string
  origin: Git
  /** A checkout of `main`, as actions/checkout leaves the workspace. */
  work: Git
  /** Another clone, for a rival pushing to origin. */
  clone(name: string, options?: { bare?: boolean; depth?: number }): Promise<Git>
  dispose(): Promise<void>
}

/** A bare origin whose `main` has one commit (a README), and a working checkout of it. */
export async function makeRepos(options: { emptyOrigin?: boolean } = {}): Promise<Repos> {
  const root = await mkdtemp(join(tmpdir(), 'accelerando-engine-'))
  const origin = new Git(join(root, 'origin.git'))
  await origin.init({ bare: true, initialBranch: 'main' })
  if (!options.emptyOrigin) {
    await fastImport(origin, {
      ref: 'refs/heads/main',
      commits: [
        {
          author: SEED_IDENTITY,
          authorDate: '2026-01-01T00:00:00.000Z',
          committer: SEED_IDENTITY,
          committerDate: '2026-01-01T00:00:00.000Z',
          message: 'data repository',
          files: [{ path: 'README.md', content: '# Books\n' }],
        },
      ],
    })
  }
  const clone = async (name: string, cloneOptions: { bare?: boolean; depth?: number } = {}) => {
    const git = new Git(join(root, name))
    // git ignores --depth for a plain local path; the file:// transport honours it.
    const url = cloneOptions.depth === undefined ? origin.cwd : `file://${origin.cwd}`
    await git.clone(url, { ...(cloneOptions.bare ? { bare: true } : {}), ...(cloneOptions.depth === undefined ? {} : { depth: cloneOptions.depth }) })
    return git
  }
  const work = await clone('work')
  return { root, origin, work, clone, dispose: () => rm(root, { recursive: true, force: true }) }
}

/** Every commit of `rev`, oldest first: the audit's reading of a branch (messages without the final newline). */
export { auditCommits as history, type AuditedCommit as CommitInfo } from '../../support/git-audit.ts'

/**
 * Record key → blob SHA of every record under data/ in `rev`, as the bucket names them. Throws if a file is
 * anywhere but its record's sharded place, so every tree check checks the layout too.
 */
export async function dataTree(git: Git, rev: string): Promise<Record<string, string>> {
  const tree: Record<string, string> = {}
  for (const entry of await git.lsTree(rev, { paths: ['data'] })) tree[recordKeyOfGitPath(entry.path)] = entry.sha
  return tree
}
