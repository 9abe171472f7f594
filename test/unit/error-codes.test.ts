import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ERROR_CODES, isErrorCode, listedDomainRuleCode } from '../../shared/error-codes.ts'
import { duplicateValueError, valueInUseError } from '../../shared/git-store/unique-guards.ts'
import { ERP_SCHEMA } from '../../shared/schema/index.ts'

const ROOT = join(import.meta.dirname, '../..')
const TABLE = 'shared/error-codes.ts'

/** The TypeScript sources that can raise an error a client sees (generated files and browser code cannot). */
function sources(): { path: string; text: string }[] {
  const files = ['shared', 'worker'].flatMap((dir) => readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' }).map((file) => join(dir, file)))
  return files
    .filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts') && !path.includes('.generated.') && !path.startsWith(join('worker', 'dashboard', 'client')))
    .map((path) => ({ path: relative(ROOT, join(ROOT, path)), text: readFileSync(join(ROOT, path), 'utf8') }))
}

/** Codes written as literals where errors are made: `DomainRuleError('…'`, `readonly code = '…'`, and the envelope's own. */
function thrownCodes(): Map<string, string> {
  const found = new Map<string, string>()
  for (const { path, text } of sources()) {
    const patterns = [/DomainRuleError\(\s*'([^']+)'/g, /readonly code = '([^']+)'/g]
    if (path === join('worker', 'http', 'error-envelope.ts')) patterns.push(/\bcode: '([^']+)'/g, /^\s*\d{3}: '([^']+)'/gm)
    for (const pattern of patterns) for (const [, code] of text.matchAll(pattern)) found.set(code as string, path)
  }
  return found
}

/** The codes the unique-value guards build from the ERP schema's names: `duplicate_<entity>_<field>`, `<entity>_in_use`. */
function guardCodes(): string[] {
  const codes: string[] = []
  for (const entity of ERP_SCHEMA.entities.values()) {
    for (const field of entity.fields) {
      if (field.unique === true) codes.push(duplicateValueError(entity.name, field, 'v', 'holder').code)
      if (field.uses !== undefined) {
        const used = ERP_SCHEMA.entities.get(field.uses.entity)?.fields.find((candidate) => candidate.name === field.uses?.field)
        if (used !== undefined) codes.push(valueInUseError(field.uses.entity, used, 'v', 'holder').code)
      }
    }
  }
  return codes
}

describe('the error codes (shared/error-codes.ts)', () => {
  it('lists every code the sources raise', () => {
    const thrown = thrownCodes()
    expect(thrown.size).toBeGreaterThan(20)
    const unlisted = [...thrown].filter(([code]) => !isErrorCode(code)).map(([code, path]) => `${code} (${path})`)
    expect(unlisted, `codes raised but not listed in ${TABLE}`).toEqual([])
  })

  it('lists the codes of every guarded field of the ERP schema', () => {
    expect(guardCodes().sort()).toEqual(['account_in_use', 'duplicate_account_code'])
  })

  it('lists only codes something raises', () => {
    const texts = sources().filter(({ path }) => path !== TABLE)
    const raised = new Set([...thrownCodes().keys(), ...guardCodes()])
    const unused = Object.keys(ERROR_CODES).filter((code) => !raised.has(code) && !texts.some(({ text }) => text.includes(`'${code}'`)))
    expect(unused, `listed in ${TABLE} but raised nowhere`).toEqual([])
  })

  it('gives each code one line of when, and 4xx or 5xx', () => {
    for (const [code, { status, when }] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/)
      expect(status).toBeGreaterThanOrEqual(400)
      expect(status).toBeLessThan(600)
      expect(when.trim()).not.toBe('')
      expect(when).not.toContain('\n')
    }
  })

  it('refuses to build a code that is not listed as 422', () => {
    expect(listedDomainRuleCode('duplicate_account_code')).toBe('duplicate_account_code')
    expect(() => listedDomainRuleCode('duplicate_widget_sku')).toThrow(/not a listed 422 code/)
    expect(() => listedDomainRuleCode('conflict')).toThrow(/not a listed 422 code/)
  })
})
