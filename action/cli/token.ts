import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { mintToken, parseSecrets, type TokenIdentity } from '../../shared/auth/token-claims.ts'
import { UsageError, type Command } from './command.ts'
import { readDevVars } from './dev-vars.ts'
import { processEnvironment, type CliEnvironment } from './reconcile-command.ts'

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }

/** `30d`, `12h`, `90m`, `3600` (seconds) → seconds. */
export function parseDuration(text: string): number {
  const match = /^([1-9][0-9]{0,8})([smhdw]?)$/.exec(text.trim())
  if (match === null) throw new UsageError(`--expires: expected a duration such as 30d, 12h or 3600, got ${JSON.stringify(text)}`)
  return Number(match[1]) * (UNIT_SECONDS[match[2] || 's'] as number)
}

/** The signing secret: `AUTH_SECRET` from the environment (if set and not empty), else from `.dev.vars`; the first of a comma list. */
export function signingSecret(projectDir: string, env: Record<string, string | undefined> = process.env): string {
  const secret = parseSecrets(env.AUTH_SECRET || readDevVars(join(projectDir, '.dev.vars')).AUTH_SECRET)[0]
  if (secret === undefined) throw new UsageError('no AUTH_SECRET: set it in the environment or run `npm start` once to create .dev.vars')
  return secret
}

/** What `--json` prints: the token and the claims it carries, its expiry as an ISO time. */
export interface MintedToken extends TokenIdentity {
  token: string
  expiresAt: string
}

export async function runTokenCommand(args: string[], environment: CliEnvironment = processEnvironment()): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      tenant: { type: 'string' },
      name: { type: 'string' },
      email: { type: 'string' },
      scope: { type: 'string' },
      sub: { type: 'string' },
      tools: { type: 'string' },
      expires: { type: 'string', default: '30d' },
      json: { type: 'boolean' },
    },
  })
  for (const required of ['tenant', 'name', 'email', 'scope'] as const) {
    if (values[required] === undefined) throw new UsageError(`--${required} is required`)
  }
  const scope = values.scope
  if (scope !== 'read' && scope !== 'write') throw new UsageError('--scope must be read or write')
  const tools = values.tools?.split(',').map((tool) => tool.trim()).filter((tool) => tool !== '')
  const expiresInSeconds = parseDuration(values.expires)
  const identity: TokenIdentity = {
    sub: values.sub ?? (values.email as string),
    name: values.name as string,
    email: values.email as string,
    tenant: values.tenant as string,
    scope,
    ...(tools === undefined ? {} : { tools }),
  }
  // Given to mintToken, so the expiry printed is the one signed (iat is whole seconds).
  const now = new Date()
  let token: string
  try {
    token = await mintToken(identity, signingSecret(environment.cwd, environment.env), { expiresInSeconds, now })
  } catch (error) {
    if (error instanceof UsageError) throw error
    throw new UsageError(`invalid token claims:\n${error instanceof z.ZodError ? z.prettifyError(error) : String(error)}`)
  }
  if (values.json) {
    const expiresAt = new Date((Math.floor(now.getTime() / 1000) + expiresInSeconds) * 1000).toISOString()
    const minted: MintedToken = { token, ...identity, expiresAt }
    environment.out(JSON.stringify(minted, null, 2))
    return 0
  }
  environment.err(`${identity.scope} token for ${identity.name} <${identity.email}> in tenant ${identity.tenant}, valid ${values.expires}:`)
  environment.out(token)
  return 0
}

export const tokenCommand: Command = {
  summary: 'print a bearer token signed with AUTH_SECRET',
  usage:
    'accelerando token --tenant <tenant> --name <name> --email <email> --scope read|write\n' +
    '                  [--sub <actor id>] [--tools a,b] [--expires 30d] [--json]\n' +
    'The token is the last line printed. AUTH_SECRET comes from the environment or .dev.vars (in the current directory).\n' +
    '  --json   {token, sub, name, email, tenant, scope, tools?, expiresAt} instead',
  run: (args) => runTokenCommand(args),
}
