#!/usr/bin/env node
import { COMMANDS } from './commands.ts'
import { UsageError } from './command.ts'

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length))
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`)
  return `usage: accelerando <command> [options]\n\n${lines.join('\n')}\n\naccelerando <command> --help shows a command's options.\n`
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage())
    return name === undefined ? 2 : 0
  }
  const command = COMMANDS[name]
  if (command === undefined) {
    process.stderr.write(`accelerando: unknown command ${JSON.stringify(name)}\n\n${usage()}`)
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

process.exitCode = await main(process.argv.slice(2))
