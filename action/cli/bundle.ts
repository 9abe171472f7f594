#!/usr/bin/env node
// The bundle's entry (`dist/cli.js`, the package's `bin`): runs from a data repository with nothing of this checkout.
import { COMMANDS } from './commands.ts'
import { runCli } from './run-cli.ts'

// The AWS SDK warns on Node 20 that its releases after January 2027 will need Node 22. This bundle carries its own
// pinned SDK, which never updates under it: the warning asks nothing of the person running it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

process.exitCode = await runCli(process.argv.slice(2), {
  commands: COMMANDS,
  elsewhere: { dev: 'runs the Worker locally: only in a checkout of accelerando (npm start)' },
})
