import { UsageError, type Command } from './command.ts'

export interface CliTable {
  commands: Record<string, Command>
  /** Commands this build leaves out, with what to do instead: named in the usage, and told when asked for. */
  elsewhere?: Record<string, string>
}

function usage(table: CliTable): string {
  const names = [...Object.keys(table.commands), ...Object.keys(table.elsewhere ?? {})]
  const width = Math.max(...names.map((name) => name.length))
  const lines = Object.entries(table.commands).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`)
  for (const [name, note] of Object.entries(table.elsewhere ?? {})) lines.push(`  ${name.padEnd(width)}  ${note}`)
  return `usage: accelerando <command> [options]\n\n${lines.join('\n')}\n\naccelerando <command> --help shows a command's options.\n`
}

/** `accelerando <command> [args]`: resolves to the exit code (2 for a usage mistake, 1 for a failure). */
export async function runCli(argv: string[], table: CliTable): Promise<number> {
  const [name, ...args] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage(table))
    return name === undefined ? 2 : 0
  }
  const command = Object.hasOwn(table.commands, name) ? table.commands[name] : undefined
  if (command === undefined) {
    const note = table.elsewhere !== undefined && Object.hasOwn(table.elsewhere, name) ? table.elsewhere[name] : undefined
    process.stderr.write(note === undefined ? `accelerando: unknown command ${JSON.stringify(name)}\n\n${usage(table)}` : `accelerando ${name}: ${note}\n`)
    return 2
  }
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${command.usage}\n`)
    return 0
  }
  try {
    return await command.run(args)
  } catch (error) {
    // parseArgs reports unknown or malformed options with these codes: usage mistakes, like ours.
    const code = (error as { code?: unknown }).code
    if (error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`accelerando ${name}: ${(error as Error).message}\n\nusage: ${command.usage}\n`)
      return 2
    }
    process.stderr.write(`accelerando ${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    return 1
  }
}
