#!/usr/bin/env node
// The bundle's entry (`dist/cli.js`, the package's `bin`): runs from a data repository with nothing of this checkout.
import { COMMANDS } from './commands.ts'
import { runCli } from './run-cli.ts'

process.exitCode = await runCli(process.argv.slice(2), {
  commands: COMMANDS,
  elsewhere: { dev: 'runs the Worker locally: only in a checkout of accelerando (npm start)' },
})
