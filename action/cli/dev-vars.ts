import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'

/** Reads `KEY=value` lines of a `.dev.vars` file (wrangler's local secrets); `#` comments, optional quotes. */
export function readDevVars(path: string): Record<string, string> {
  if (!existsSync(path)) return {}
  const vars: Record<string, string> = {}
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line)
    if (match === null) continue
    const raw = match[2] ?? ''
    vars[match[1] as string] = /^(["']).*\1$/.test(raw) ? raw.slice(1, -1) : raw
  }
  return vars
}

/**
 * The local `AUTH_SECRET`, created with 32 random bytes when `.dev.vars` lacks one (the file is git-ignored,
 * so every clone signs with its own secret).
 */
export function ensureAuthSecret(path: string): { secret: string; created: boolean } {
  const existing = readDevVars(path).AUTH_SECRET
  if (existing !== undefined && existing.trim() !== '') return { secret: existing, created: false }
  const secret = randomBytes(32).toString('base64url')
  const before = existsSync(path) ? readFileSync(path, 'utf8') : ''
  const separator = before === '' || before.endsWith('\n') ? '' : '\n'
  writeFileSync(path, `${before}${separator}# Signs development tokens (accelerando token). Comma-separate several to rotate.\nAUTH_SECRET=${secret}\n`, { mode: 0o600 })
  return { secret, created: true }
}
