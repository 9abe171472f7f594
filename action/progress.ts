/**
 * The engine's progress (`engine/progress.ts`) as people read it: on a terminal one line redrawn in place
 * (`reading data/: 1,200/5,000 (24%), 310/s`), elsewhere (CI logs, a file) plain lines now and then, so a log
 * is not flooded yet shows a long run moving. Each phase ends with one line of what it did and how fast.
 */
import type { PhaseProgress, Progress } from './engine/index.ts'

export interface ProgressOutput {
  /** Receives the text as is: lines end with `\n`, a live redraw starts with `\r`. */
  write(text: string): void
  /** Redraw one line in place (a terminal) rather than print lines. */
  live: boolean
  /** The terminal's width, so a live line never wraps (a wrapped line cannot be redrawn). */
  columns?: () => number | undefined
}

export interface ProgressReporterOptions {
  /** Plain lines: at most one progress line per phase this often, besides its closing line. Default 5 s. */
  intervalMs?: number
  /** Live line: redrawn at most this often. Default 100 ms. */
  redrawMs?: number
  now?: () => number
}

export interface ProgressReporter extends Progress {
  /** Another line for the same stream (a log line): printed above the live line, which is drawn again below it. */
  print(line: string): void
  /** Clears a live line left by a phase that never ended (a run that failed midway). */
  close(): void
}

const CLEAR_LINE = '\r\x1b[2K'
const formatCount = (value: number) => value.toLocaleString('en-US')

/** `3,400/s`, `12/s`, `0.4/s`: a rate worth reading at any size. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return ''
  return `${perSecond >= 10 ? formatCount(Math.round(perSecond)) : perSecond.toFixed(1)}/s`
}

/** `name: done/total (pct%), rate/s` while running; `name: done/total in 2.4 s (rate/s)` once over. */
export function formatPhase(name: string, done: number, total: number | undefined, elapsedMs: number, ended: boolean): string {
  const count = total === undefined ? formatCount(done) : `${formatCount(done)}/${formatCount(total)}`
  const seconds = elapsedMs / 1000
  const rate = seconds > 0 && done > 0 ? formatRate(done / seconds) : ''
  if (ended) return `${name}: ${count} in ${seconds.toFixed(1)} s${rate === '' ? '' : ` (${rate})`}`
  const percent = total === undefined || total === 0 ? '' : ` (${Math.floor((done / total) * 100)}%)`
  return `${name}: ${count}${percent}${rate === '' ? '' : `, ${rate}`}`
}

/**
 * A `Progress` that writes to `output`.
 *
 * @example
 * const progress = progressReporter(stderrOutput())
 * await runMode({ ...context, progress, logger: consoleLogger({ err: progress.print }) }, settings)
 */
export function progressReporter(output: ProgressOutput, options: ProgressReporterOptions = {}): ProgressReporter {
  const now = options.now ?? Date.now
  const intervalMs = options.intervalMs ?? 5000
  const redrawMs = options.redrawMs ?? 100
  // The text of the live line on screen, '' when there is none.
  let drawn = ''
  let current: { name: string; total: number | undefined; done: number; started: number; lastShown: number } | undefined

  const fit = (text: string) => {
    const width = output.columns?.()
    return width !== undefined && width > 1 && text.length >= width ? `${text.slice(0, width - 2)}…` : text
  }
  const draw = (text: string) => {
    drawn = fit(text)
    output.write(`${CLEAR_LINE}${drawn}`)
  }
  const clear = () => {
    if (drawn === '') return
    output.write(CLEAR_LINE)
    drawn = ''
  }
  const show = (at: number) => {
    if (current === undefined) return
    const text = formatPhase(current.name, current.done, current.total, at - current.started, false)
    current.lastShown = at
    if (output.live) draw(text)
    else output.write(`${text}\n`)
  }

  return {
    phase(name, total) {
      const started = now()
      const state = { name, total, done: 0, started, lastShown: started }
      current = state
      if (output.live) show(started)
      const phase: PhaseProgress = {
        tick(count = 1) {
          state.done += count
          if (current !== state) return
          const at = now()
          if (at - state.lastShown >= (output.live ? redrawMs : intervalMs)) show(at)
        },
        end() {
          if (current !== state) return
          current = undefined
          if (output.live) clear()
          // A phase that found nothing and showed nothing in a log (listing no pending entries) is not worth a line.
          if (state.done === 0 && (output.live || state.lastShown === state.started)) return
          output.write(`${formatPhase(state.name, state.done, state.total, now() - state.started, true)}\n`)
        },
      }
      return phase
    },
    print(line) {
      const live = drawn !== ''
      clear()
      output.write(`${line}\n`)
      if (live && current !== undefined) show(now())
    },
    close() {
      clear()
      current = undefined
    },
  }
}

/** stderr, live when it is a terminal. */
export function stderrOutput(stream: NodeJS.WriteStream = process.stderr): ProgressOutput {
  return { write: (text) => void stream.write(text), live: stream.isTTY === true, columns: () => stream.columns }
}
