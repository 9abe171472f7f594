/** One `accelerando <name>` subcommand. `run` gets the arguments after the name and resolves to an exit code. */
export interface Command {
  summary: string
  usage: string
  run(args: string[]): Promise<number>
}

/** Thrown for a usage mistake: the CLI prints the message and the command's usage, and exits with 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}
