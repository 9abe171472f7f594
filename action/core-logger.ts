import * as core from '@actions/core'
import type { Logger } from './engine/index.ts'

/** The engine's progress as workflow log lines; warnings become annotations on the run. */
export const coreLogger: Logger = {
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  debug: (message) => core.debug(message),
}
