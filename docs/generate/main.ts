/**
 * `npm run docs`: rewrites the generated sections of docs/ from the sources they describe (the error codes,
 * action.yml). A unit test fails while any of them is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { actionTables } from './action-table.ts'
import { errorsTable } from './errors-table.ts'
import { replaceSection } from './sections.ts'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** Each docs file with generated sections, and how to render each section. */
const GENERATED: Record<string, Record<string, () => string>> = {
  'docs/api.md': { errors: errorsTable },
  'docs/reconciler.md': { 'action-io': () => actionTables(ROOT) },
}

/** Every docs file with generated sections: as committed, and as `npm run docs` would write it. */
export function generatedDocs(): { path: string; committed: string; fresh: string }[] {
  return Object.entries(GENERATED).map(([path, sections]) => {
    const committed = readFileSync(join(ROOT, path), 'utf8')
    const fresh = Object.entries(sections).reduce((text, [name, render]) => replaceSection(text, name, render()), committed)
    return { path, committed, fresh }
  })
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const { path, committed, fresh } of generatedDocs()) {
    if (fresh === committed) continue
    writeFileSync(join(ROOT, path), fresh)
    console.log(`rewrote ${path}`)
  }
}
