import type { Command } from './command.ts'
import { dispatchCommand } from './dispatch.ts'
import { logCommand } from './log.ts'
import { replayCommand } from './replay.ts'
import { syncCommand } from './sync.ts'
import { tokenCommand } from './token.ts'
import { verifyCommand } from './verify.ts'

/**
 * The subcommands that need nothing of this checkout: what the bundle (`dist/cli.js`) carries into a data
 * repository. `dev` needs wrangler and the Worker's sources, so only `main.ts` (the checkout's entry) adds it.
 */
export const COMMANDS: Record<string, Command> = {
  token: tokenCommand,
  sync: syncCommand,
  replay: replayCommand,
  verify: verifyCommand,
  log: logCommand,
  dispatch: dispatchCommand,
}
