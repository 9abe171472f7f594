#!/usr/bin/env node
// The checkout's entry (`npm start`, `node action/cli/main.ts <command>`): every command, `dev` included.
import { COMMANDS } from './commands.ts'
import { devCommand } from './dev.ts'
import { runCli } from './run-cli.ts'

process.exitCode = await runCli(process.argv.slice(2), { commands: { dev: devCommand, ...COMMANDS } })
