/**
 * Reading a data repository back for audits: every commit with its identity, message, trailers and changed
 * files (one `git log` process), and file contents in bulk (one `git cat-file --batch` process).
 */
import { ENTRY_TRAILER, TENANT_TRAILER } from '../../action/engine/index.ts'
import type { Git } from '../../action/git.ts'
import { recordKeyOfGitPath } from '../../shared/keys.ts'

export interface AuditedCommit {
  sha: string
  parents: string[]
  authorName: string
  authorEmail: string
  /** Author date, epoch seconds. */
  authorTime: number
  committerName: string
  committerEmail: string
  /** The whole message, trailers included, without the final newline. */
  message: string
  /** The message above the closing trailer paragraph. */
  body: string
  entries: string[]
  tenants: string[]
  /** Files this commit changed relative to its first parent: A(dded), M(odified) or D(eleted). */
  files: { status: string; path: string }[]
}

const RS = '\x1e'
const US = '\x1f'

/** Every commit of `rev`, oldest first, with its changed files. */
export async function auditCommits(git: Git, rev = 'refs/heads/main'): Promise<AuditedCommit[]> {
  const out = await git.run(['log', '--reverse', '--no-renames', '--name-status', `--format=${RS}%H${US}%P${US}%an${US}%ae${US}%at${US}%cn${US}%ce${US}%B${US}`, rev])
  const commits: AuditedCommit[] = []
  for (const record of out.split(RS).slice(1)) {
    const fields = record.split(US)
    const [sha, parents, authorName, authorEmail, authorTime, committerName, committerEmail, message, rest] = fields as string[]
    const files = (rest ?? '')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const [status, path] = line.split('\t')
        return { status: status as string, path: path as string }
      })
    const text = (message as string).replace(/\n+$/, '')
    const paragraphs = text.split('\n\n')
    const last = paragraphs.at(-1) ?? ''
    const isTrailers = last.split('\n').every((line) => /^[A-Za-z-]+: /.test(line))
    const trailerLines = isTrailers ? last.split('\n') : []
    commits.push({
      sha: sha as string,
      parents: parents === '' ? [] : (parents as string).split(' '),
      authorName: authorName as string,
      authorEmail: authorEmail as string,
      authorTime: Number(authorTime),
      committerName: committerName as string,
      committerEmail: committerEmail as string,
      message: text,
      body: isTrailers ? paragraphs.slice(0, -1).join('\n\n') : text,
      entries: trailerLines.filter((line) => line.startsWith(`${ENTRY_TRAILER}: `)).map((line) => line.slice(ENTRY_TRAILER.length + 2)),
      tenants: trailerLines.filter((line) => line.startsWith(`${TENANT_TRAILER}: `)).map((line) => line.slice(TENANT_TRAILER.length + 2)),
      files,
    })
  }
  return commits
}

/** The contents of many objects (`<rev>:<path>` or SHAs), null for missing ones; one git process. */
export async function catFiles(git: Git, specs: readonly string[]): Promise<(string | null)[]> {
  if (specs.length === 0) return []
  const result = await git.exec(['cat-file', '--batch'], { input: `${specs.join('\n')}\n` })
  if (result.exitCode !== 0) throw new Error(`git cat-file --batch failed: ${result.stderr}`)
  const out = result.stdout
  const contents: (string | null)[] = []
  let offset = 0
  for (const spec of specs) {
    const newline = out.indexOf(0x0a, offset)
    const header = out.subarray(offset, newline).toString('utf8')
    offset = newline + 1
    if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
      contents.push(null)
      continue
    }
    const size = Number(header.split(' ')[2])
    if (!Number.isSafeInteger(size)) throw new Error(`unexpected cat-file header for ${spec}: ${header}`)
    contents.push(out.subarray(offset, offset + size).toString('utf8'))
    offset += size + 1
  }
  return contents
}

/**
 * Record key → content of every record under `data/` in `rev`, as the bucket names them. Throws if a file is
 * anywhere but its record's sharded place, so every tree check checks the layout too.
 */
export async function treeFiles(git: Git, rev: string): Promise<Map<string, string>> {
  const entries = (await git.lsTree(rev, { paths: ['data'] })).filter((entry) => entry.type === 'blob')
  const contents = await catFiles(
    git,
    entries.map((entry) => entry.sha),
  )
  return new Map(entries.map((entry, index) => [recordKeyOfGitPath(entry.path), contents[index] as string]))
}
