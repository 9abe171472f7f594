import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The checkout of this project the CLI runs from (the directory with `wrangler.jsonc`): two levels above the
 * sources (`action/cli/`), one above the bundle (`dist/cli.js`). A bundle copied out of the checkout (into a data
 * repository, say) has none: then the current directory, where `--local` and `.dev.vars` are looked for.
 */
export function findProjectDir(from: string = dirname(fileURLToPath(import.meta.url)), fallback: string = process.cwd()): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'wrangler.jsonc'))) return dir
    if (dirname(dir) === dir) return fallback
  }
}
