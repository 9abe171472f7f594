/**
 * CPU time by process, read from /proc (Linux): how the benchmark tells the engine's work from git's and
 * from the local emulator's (workerd). Where /proc is missing the process-tree figures are null.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'

export interface CpuSnapshot {
  /** Epoch ms. */
  ms: number
  /** This process (user + system). */
  selfCpuMs: number
  /** Its children that have exited and been waited for (git commands), or null without /proc. */
  childrenCpuMs: number | null
  /** The part of `childrenCpuMs` spent in the kernel (system time). */
  childrenSystemCpuMs: number | null
}

let ticksPerSecond: number | undefined

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    } catch {
      ticksPerSecond = 100
    }
  }
  return ticksPerSecond
}

/** Fields of /proc/<pid>/stat after the command name (which may contain spaces). */
function statFields(pid: number | 'self'): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return text.slice(text.lastIndexOf(')') + 2).split(' ')
  } catch {
    return null
  }
}

export function cpuSnapshot(): CpuSnapshot {
  const usage = process.cpuUsage()
  const fields = statFields('self')
  // After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
  const children = fields === null ? null : ((Number(fields[13]) + Number(fields[14])) * 1000) / clockTicks()
  const childrenSystem = fields === null ? null : (Number(fields[14]) * 1000) / clockTicks()
  return { ms: Date.now(), selfCpuMs: (usage.user + usage.system) / 1000, childrenCpuMs: children, childrenSystemCpuMs: childrenSystem }
}

/** user + system CPU ms of one process (without its children), or null when it is gone. */
export function processCpuMs(pid: number): number | null {
  const fields = statFields(pid)
  return fields === null ? null : ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks()
}

/** Pids of the descendants of `root` whose command name is `name` (e.g. the workerd that Miniflare started). */
export function descendantsNamed(root: number, name: string): number[] {
  if (!existsSync('/proc/self/stat')) return []
  const parent = new Map<number, number>()
  const command = new Map<number, string>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8')
      command.set(Number(entry), text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')))
      parent.set(Number(entry), Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {
      // Exited while we looked.
    }
  }
  const found: number[] = []
  for (const [pid, comm] of command) {
    if (comm !== name) continue
    for (let up = parent.get(pid); up !== undefined && up > 1; up = parent.get(up)) {
      if (up === root) {
        found.push(pid)
        break
      }
    }
  }
  return found
}

/** Samples the CPU of some processes every `intervalMs`, so a phase's share can be read off afterwards. */
export class CpuSampler {
  readonly samples: { ms: number; cpuMs: number }[] = []
  readonly #pids: number[]
  readonly #timer: NodeJS.Timeout

  constructor(pids: number[], intervalMs = 100) {
    this.#pids = pids
    this.#sample()
    this.#timer = setInterval(() => this.#sample(), intervalMs)
  }

  #sample(): void {
    let total = 0
    for (const pid of this.#pids) total += processCpuMs(pid) ?? 0
    this.samples.push({ ms: Date.now(), cpuMs: total })
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#sample()
  }

  /** CPU ms used between two epoch ms (interpolated between samples). */
  between(fromMs: number, toMs: number): number {
    return this.#at(toMs) - this.#at(fromMs)
  }

  #at(ms: number): number {
    const samples = this.samples
    if (samples.length === 0) return 0
    if (ms <= (samples[0] as { ms: number }).ms) return (samples[0] as { cpuMs: number }).cpuMs
    for (let i = 1; i < samples.length; i++) {
      const b = samples[i] as { ms: number; cpuMs: number }
      if (ms <= b.ms) {
        const a = samples[i - 1] as { ms: number; cpuMs: number }
        return b.ms === a.ms ? b.cpuMs : a.cpuMs + ((b.cpuMs - a.cpuMs) * (ms - a.ms)) / (b.ms - a.ms)
      }
    }
    return (samples.at(-1) as { cpuMs: number }).cpuMs
  }
}
