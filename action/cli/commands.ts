import type { Command } from './command.ts'
import { devCommand } from './dev.ts'
import { dispatchCommand } from './dispatch.ts'
import { logCommand } from './log.ts'
import { replayCommand } from './replay.ts'
import { syncCommand } from './sync.ts'
import { tokenCommand } from './token.ts'
import { verifyCommand } from './verify.ts'

/** Every `accelerando` subcommand, by name. */
export const COMMANDS: Record<string, Command> = {
  dev: devCommand,
  token: tokenCommand,
  sync: syncCommand,
  replay: replayCommand,
  verify: verifyCommand,
  log: logCommand,
  dispatch: dispatchCommand,
}
