import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

// The workflows, the Action's manifest and the sync template each name a version the others rely on; these
// checks keep them saying the same thing when one moves.
const ROOT = join(import.meta.dirname, '../..')
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')
const WORKFLOWS = readdirSync(join(ROOT, '.github/workflows')).map((name) => `.github/workflows/${name}`)

describe('the GitHub workflows', () => {
  it('run nothing on a schedule in this repository: the sync workflow is a template to copy', () => {
    expect(WORKFLOWS.filter((path) => /^\s+schedule:/m.test(read(path)))).toEqual([])
    expect(read('.github/workflow-templates/sync.yml')).toMatch(/^\s+schedule:/m)
  })

  it('release the major tag that the sync template uses', () => {
    const used = /uses: OWNER\/accelerando@(v\d+)$/m.exec(read('.github/workflow-templates/sync.yml'))?.[1]
    const release = read('.github/workflows/release.yml')
    expect(used).toBeDefined()
    expect(release).toContain(`tags: ['${used}.*.*'`)
    expect(release).toContain(`git tag --force ${used} `)
    expect(release).toContain(`git push --force origin refs/tags/${used}`)
  })

  it('test on the Node that GitHub runs the Action on', () => {
    const runtime = /^ {2}using: node(\d+)$/m.exec(read('action.yml'))?.[1]
    const matrix = /^\s+node: \[([\d, ]+)\]$/m.exec(read('.github/workflows/ci.yml'))?.[1]?.split(/,\s*/)
    expect(runtime).toBeDefined()
    expect(matrix).toContain(runtime)
  })

  it('use one major of each action everywhere', () => {
    const majors = new Map<string, Set<string>>()
    for (const path of [...WORKFLOWS, '.github/workflow-templates/sync.yml']) {
      for (const [, action, version] of read(path).matchAll(/uses: (actions\/[\w-]+)@(\S+)/g)) {
        majors.set(action as string, (majors.get(action as string) ?? new Set()).add(version as string))
      }
    }
    expect([...majors].filter(([, versions]) => versions.size > 1)).toEqual([])
    expect(majors.has('actions/checkout')).toBe(true)
  })
})
