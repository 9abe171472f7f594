import { createHash } from 'node:crypto'
import { entryOidsInMessage } from '../../../action/engine/trailers.ts'
import type { FastImportCommit } from '../../../action/fast-import.ts'

export interface BranchCommit {
  sha: string
  /** The entry oids its trailers name. */
  oids: string[]
  author: { name: string; email: string }
  message: string
  files: FastImportCommit['files']
}

/** The data repository's branch, modelled: its files (path → content) and its commits, oldest first. */
export class ModelBranch {
  readonly files = new Map<string, string>()
  readonly commits: BranchCommit[] = []
  readonly #shaOf = new Map<string, string>()

  /** The commit that carries `oid` (the trailer check), if any. */
  commitOf(oid: string): string | undefined {
    return this.#shaOf.get(oid)
  }

  /** Appends commits as one push, applying each one's files in order; returns their SHAs. */
  push(commits: readonly FastImportCommit[]): string[] {
    return commits.map((commit) => {
      const sha = createHash('sha1').update(`${this.commits.length}\n${commit.message}`).digest('hex')
      for (const file of commit.files) {
        if ('delete' in file) this.files.delete(file.path)
        else if ('content' in file) this.files.set(file.path, file.content)
        else throw new Error(`the modelled branch takes no tree files (${file.path})`)
      }
      const oids = entryOidsInMessage(commit.message)
      this.commits.push({ sha, oids, author: commit.author, message: commit.message, files: commit.files })
      for (const oid of oids) if (!this.#shaOf.has(oid)) this.#shaOf.set(oid, sha)
      return sha
    })
  }
}
