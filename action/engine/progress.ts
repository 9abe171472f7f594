/**
 * How far the engine is through a long phase (listing, reading, marking thousands of objects). The engine
 * only reports; the command line draws it on stderr and the Action logs it (`action/progress.ts`).
 */
export interface Progress {
  /** A phase begins; `total` when the number of items is known beforehand. */
  phase(name: string, total?: number): PhaseProgress
}

export interface PhaseProgress {
  /** `count` more items are done (default 1). */
  tick(count?: number): void
  /** The phase is over. */
  end(): void
}

const silentPhase: PhaseProgress = { tick() {}, end() {} }

export const silentProgress: Progress = { phase: () => silentPhase }
