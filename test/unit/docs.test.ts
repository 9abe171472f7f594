import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readActionYml } from '../../docs/generate/action-yml.ts'
import { generatedDocs } from '../../docs/generate/main.ts'
import { replaceSection } from '../../docs/generate/sections.ts'

const ROOT = join(import.meta.dirname, '../..')
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)]

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replaceAll(' ', '-')
}

function anchorsOf(text: string): Set<string> {
  const withoutCode = text.replace(/^```[\s\S]*?^```/gm, '')
  return new Set([...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map(([, heading]) => anchor(heading as string)))
}

/** Relative links `[text](target)` outside code blocks and code spans. */
function relativeLinks(text: string): string[] {
  const prose = text.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, 'code')
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map(([, target]) => target as string).filter((target) => !/^[a-z]+:/.test(target))
}

describe('the docs', () => {
  it('hold what npm run docs generates (the errors table, the Action inputs and outputs)', () => {
    for (const { path, committed, fresh } of generatedDocs()) {
      expect(committed === fresh, `${path} is out of date: run npm run docs`).toBe(true)
    }
  })

  it.each(DOCS)('%s links only to files and headings that exist', (doc) => {
    const text = readFileSync(join(ROOT, doc), 'utf8')
    const broken: string[] = []
    for (const link of relativeLinks(text)) {
      const [path = '', fragment] = link.split('#')
      const target = path === '' ? join(ROOT, doc) : join(ROOT, dirname(doc), decodeURIComponent(path))
      if (!existsSync(target)) broken.push(`${link} (no ${relative(ROOT, target)})`)
      else if (fragment !== undefined && statSync(target).isFile() && target.endsWith('.md') && !anchorsOf(readFileSync(target, 'utf8')).has(fragment)) {
        broken.push(`${link} (no heading #${fragment})`)
      }
    }
    expect(broken).toEqual([])
  })

  it('finds the links it checks', () => {
    expect(relativeLinks(readFileSync(join(ROOT, 'README.md'), 'utf8')).length).toBeGreaterThan(10)
    expect(relativeLinks('[a](docs/x.md#y) `[b](c.md)` [web](https://example.com)')).toEqual(['docs/x.md#y'])
  })

  it('README.md stays a front door', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').length).toBeLessThanOrEqual(250)
  })
})

describe('the generated sections', () => {
  it('replace only the text between their markers', () => {
    const text = 'before\n<!-- generated:x start -->\nold\n<!-- generated:x end -->\nafter\n'
    expect(replaceSection(text, 'x', 'new\n')).toBe('before\n<!-- generated:x start -->\nnew\n<!-- generated:x end -->\nafter\n')
    expect(() => replaceSection(text, 'y', 'new')).toThrow(/no <!-- generated:y start -->/)
  })
})

describe('readActionYml', () => {
  it("reads action.yml's inputs and outputs", () => {
    const { inputs, outputs } = readActionYml(readFileSync(join(ROOT, 'action.yml'), 'utf8'))
    expect(inputs.length).toBeGreaterThan(10)
    expect(inputs.find((input) => input.name === 'bucket')).toMatchObject({ required: true })
    expect(inputs.find((input) => input.name === 'dry-run')).toMatchObject({ required: false, default: 'false' })
    expect(inputs.find((input) => input.name === 'mode')?.description).toMatch(/^`sync` \(pending entries become commits\)/)
    expect(outputs.map((output) => output.name)).toContain('head-sha')
  })

  it('reads plain, single- and double-quoted scalars, and skips other top-level keys', () => {
    const text = [
      'name: x',
      'runs:',
      '  using: node24',
      'inputs:',
      '  a:',
      '    description: "quoted: with \\"escapes\\""',
      "    default: 'it''s'",
      '    required: true',
      '  b:',
      '    description: plain text',
      'outputs:',
      '  c:',
      '    description: out',
    ].join('\n')
    expect(readActionYml(text)).toEqual({
      inputs: [
        { name: 'a', description: 'quoted: with "escapes"', default: "it's", required: true },
        { name: 'b', description: 'plain text', required: false },
      ],
      outputs: [{ name: 'c', description: 'out', required: false }],
    })
  })

  it('refuses shapes it would misread', () => {
    expect(() => readActionYml('inputs:\n  a:\n    description: |\n      block\n')).toThrow(/action.yml:3/)
    expect(() => readActionYml('inputs:\n  a:\n    deprecationMessage: old\n')).toThrow(/unknown key/)
    expect(() => readActionYml('inputs:\n  - a\n')).toThrow(/action.yml:2/)
  })
})
