import { describe, expect, it } from 'vitest'
import { formatPhase, progressReporter, type ProgressOutput } from '../../action/progress.ts'

/** A stream that keeps every write, and a clock the test moves. */
function fakeOutput(live: boolean, columns?: number) {
  const writes: string[] = []
  const clock = { ms: 0 }
  const output: ProgressOutput = { write: (text) => writes.push(text), live, ...(columns === undefined ? {} : { columns: () => columns }) }
  return { writes, clock, output, now: () => clock.ms }
}

/** What a terminal shows after `text`: `\r` returns to the line's start, ESC[2K erases the line, `\n` ends it. */
function screen(text: string): string[] {
  const lines = ['']
  for (const part of text.split(/(\r\x1b\[2K|\n)/)) {
    if (part === '\r\x1b[2K') lines[lines.length - 1] = ''
    else if (part === '\n') lines.push('')
    else lines[lines.length - 1] += part
  }
  return lines
}

describe('progressReporter, not on a terminal (CI logs)', () => {
  it('prints a plain line at most every interval, and closes each phase with its count, time and rate', () => {
    const { writes, clock, output, now } = fakeOutput(false)
    const progress = progressReporter(output, { intervalMs: 5000, now })
    const phase = progress.phase('reading data/', 1000)
    clock.ms = 1000
    phase.tick(100)
    clock.ms = 5000
    phase.tick(400)
    clock.ms = 8000
    phase.tick(300)
    progress.print('a log line')
    clock.ms = 9000
    phase.tick(200)
    clock.ms = 10_000
    phase.end()
    expect(writes).toEqual(['reading data/: 500/1,000 (50%), 100/s\n', 'a log line\n', 'reading data/: 1,000/1,000 in 10.0 s (100/s)\n'])
    expect(writes.join('')).not.toContain('\r')
  })

  it('says nothing of a phase that found nothing, and counts a phase of unknown size', () => {
    const { writes, clock, output, now } = fakeOutput(false)
    const progress = progressReporter(output, { now })
    progress.phase('listing pending entries').end()
    const listing = progress.phase('listing data/')
    clock.ms = 2500
    listing.tick(5000)
    listing.end()
    expect(writes).toEqual(['listing data/: 5,000 in 2.5 s (2,000/s)\n'])
  })
})

describe('progressReporter, on a terminal', () => {
  it('redraws one line in place, keeps log lines above it and leaves one line per phase', () => {
    const { writes, clock, output, now } = fakeOutput(true)
    const progress = progressReporter(output, { redrawMs: 100, now })
    const reading = progress.phase('reading pending entries', 3)
    clock.ms = 50
    reading.tick() // too soon after the first draw: not redrawn
    clock.ms = 500
    reading.tick()
    expect(screen(writes.join(''))).toEqual(['reading pending entries: 2/3 (66%), 4.0/s'])
    progress.print('3 pending entries')
    expect(screen(writes.join(''))).toEqual(['3 pending entries', 'reading pending entries: 2/3 (66%), 4.0/s'])
    clock.ms = 1500
    reading.tick()
    reading.end()
    const marking = progress.phase('marking entries synced', 3)
    marking.tick()
    progress.close() // the run failed midway: the live line goes, nothing is left half-drawn
    expect(screen(writes.join(''))).toEqual(['3 pending entries', 'reading pending entries: 3/3 in 1.5 s (2.0/s)', ''])
    expect(writes.filter((text) => text.startsWith('\r')).length).toBeGreaterThan(2)
  })

  it('cuts the live line to the terminal width, so redrawing never wraps', () => {
    const { writes, output, now } = fakeOutput(true, 20)
    progressReporter(output, { now }).phase('reading a phase with a long name', 10)
    expect(screen(writes.join(''))).toEqual(['reading a phase wi…'])
  })
})

describe('formatPhase', () => {
  it('shows a rate worth reading at any size', () => {
    expect(formatPhase('x', 3, undefined, 10_000, false)).toBe('x: 3, 0.3/s')
    expect(formatPhase('x', 12_345, 20_000, 2000, false)).toBe('x: 12,345/20,000 (61%), 6,173/s')
    expect(formatPhase('x', 0, 10, 0, false)).toBe('x: 0/10 (0%)')
    expect(formatPhase('x', 0, 0, 1200, true)).toBe('x: 0/0 in 1.2 s')
  })
})
