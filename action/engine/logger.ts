/**
 * Where the engine reports progress. The Action passes one backed by @actions/core (annotations,
 * log groups), the command line one that prints; the engine itself never prints.
 */
export interface Logger {
  info(message: string): void
  /** Something an operator should look at (a quarantined entry, drift); the run goes on. */
  warning(message: string): void
  debug(message: string): void
}

export const silentLogger: Logger = {
  info() {},
  warning() {},
  debug() {},
}

/** Plain lines, by default on stdout (progress) and stderr (warnings): the command line and the development loop. */
export function consoleLogger(options: { verbose?: boolean; prefix?: string; out?: (line: string) => void; err?: (line: string) => void } = {}): Logger {
  const prefix = options.prefix ?? ''
  const out = options.out ?? ((line: string) => console.log(line))
  const err = options.err ?? ((line: string) => console.warn(line))
  return {
    info: (message) => out(`${prefix}${message}`),
    warning: (message) => err(`${prefix}warning: ${message}`),
    debug: (message) => {
      if (options.verbose) out(`${prefix}${message}`)
    },
  }
}
