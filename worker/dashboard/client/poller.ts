/**
 * Runs a refresh every few seconds while the tab is visible. A hidden tab polls nothing (no load on the
 * Worker for a dashboard nobody looks at) and refreshes at once when it comes back; failures back off.
 */

export interface PollerOptions {
  intervalMs: number
  /** The longest wait between two failed attempts. */
  maxBackoffMs: number
  /** One refresh: true when it worked, false to retry with backoff. */
  tick: () => Promise<boolean>
  /** Told how long until the next attempt, and whether the last one failed (for the banner's countdown). */
  onSchedule?: (delayMs: number, failed: boolean) => void
  /** Told when polling pauses (hidden tab) or resumes. */
  onPause?: (paused: boolean) => void
  document?: Document
}

export interface Poller {
  start(): void
  stop(): void
  /** Refresh now (a button, a reconnect), then carry on on schedule. */
  now(): void
}

export function createPoller(options: PollerOptions): Poller {
  const doc = options.document ?? document
  let running = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let inFlight = false
  let again = false
  let failures = 0

  const clear = () => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
  }

  const schedule = () => {
    clear()
    if (!running || doc.hidden) return
    const delay = failures === 0 ? options.intervalMs : Math.min(options.maxBackoffMs, options.intervalMs * 2 ** (failures - 1))
    options.onSchedule?.(delay, failures > 0)
    timer = setTimeout(run, delay)
  }

  async function run(): Promise<void> {
    clear()
    if (!running) return
    if (inFlight) {
      again = true
      return
    }
    inFlight = true
    try {
      failures = (await options.tick()) ? 0 : failures + 1
    } catch {
      failures += 1
    } finally {
      inFlight = false
    }
    if (again) {
      again = false
      void run()
    } else {
      schedule()
    }
  }

  const onVisibility = () => {
    if (!running) return
    options.onPause?.(doc.hidden)
    if (doc.hidden) clear()
    else void run()
  }

  return {
    start() {
      if (running) return
      running = true
      doc.addEventListener('visibilitychange', onVisibility)
      void run()
    },
    stop() {
      running = false
      clear()
      doc.removeEventListener('visibilitychange', onVisibility)
    },
    now() {
      void run()
    },
  }
}
