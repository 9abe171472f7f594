import type { CommitEntry } from '../../../shared/commit-entry.ts'
import type { Intent } from '../../../shared/git-store/index.ts'
import { INTENTS_PREFIX, PENDING_PREFIX } from '../../../shared/keys.ts'
import type { Caller } from '../../../worker/auth/caller.ts'

/** How a call ended, as the server answered it (the client may not have heard: see `lost`). */
export type Outcome =
  /** 2xx: the server promised the write. */
  | 'acknowledged'
  /** 4xx: refused; it must leave no trace. */
  | 'refused'
  /** 5xx, or the process died before answering: it may or may not have committed. */
  | 'unknown'

export interface CallRecord {
  /** 1-based, in order of issue. */
  n: number
  client: string
  caller: Caller
  tool: string
  access: 'read' | 'write'
  args: Record<string, unknown>
  idempotencyKey?: string
  /** The entity a read by id names (for a "not found" answer). */
  readEntity?: string
  startStep: number
  endStep?: number
  outcome?: Outcome
  status?: number
  code?: string
  body?: Record<string, any>
  replayed?: boolean
  /** The answer never reached the client (it retries, not knowing). */
  lost?: boolean
  died?: boolean
  /** Every id the call minted: its transactions' oids and its new records' ids. */
  minted: string[]
}

/** A commit entry at the moment its put landed: the commit point. */
export interface LandedEntry {
  step: number
  oid: string
  entry: CommitEntry
}

/** Everything the checker judges: the calls as issued and answered, and what landed in the bucket when. */
export class History {
  readonly calls: CallRecord[] = []
  /** Commit entries in the order they landed. */
  readonly entries: LandedEntry[] = []
  readonly intents = new Map<string, Intent>()
  /** id → the call that minted it. */
  readonly mintedBy = new Map<string, CallRecord>()

  newCall(call: Omit<CallRecord, 'n' | 'minted'>): CallRecord {
    const record: CallRecord = { ...call, n: this.calls.length + 1, minted: [] }
    this.calls.push(record)
    return record
  }

  minted(call: CallRecord, id: string): void {
    call.minted.push(id)
    this.mintedBy.set(id, call)
  }

  /** Watches puts as they land: entries are commit points; intents say what each transaction based its writes on. */
  observePut(key: string, text: string, step: number): void {
    if (key.startsWith(PENDING_PREFIX)) {
      const entry = JSON.parse(text) as CommitEntry
      this.entries.push({ step, oid: entry.oid, entry })
    } else if (key.startsWith(INTENTS_PREFIX)) {
      // Only the protocol writes intents, so the bytes are trusted here (the product parses them with zod).
      const intent = JSON.parse(text) as Intent
      this.intents.set(intent.oid, intent)
    }
  }

  /** Takes over another history (the shared setup's): its calls, entries and intents come first. */
  absorb(other: History): void {
    this.calls.push(...other.calls)
    this.entries.push(...other.entries)
    for (const [oid, intent] of other.intents) this.intents.set(oid, intent)
    for (const [id, call] of other.mintedBy) this.mintedBy.set(id, call)
  }

  /** The call whose transaction an entry is. */
  callOf(oid: string): CallRecord | undefined {
    return this.mintedBy.get(oid)
  }
}
