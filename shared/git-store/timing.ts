/**
 * Time limits of the write protocol. They keep a live writer and the recovery pass from ever acting on
 * the same transaction: a writer gives up before `TX_DEADLINE_MS`, and recovery only touches intents older
 * than `TX_ABANDONED_MS`, a margin wide enough for clock differences between Worker instances.
 */
export const TX_DEADLINE_MS = 30_000
export const TX_ABANDONED_MS = 120_000

/**
 * A record written less than this long ago may belong to a transaction that is still in flight or was
 * interrupted, so readers confirm its transaction before trusting it. Must exceed TX_ABANDONED_MS plus the
 * recovery schedule (every minute), so an interrupted transaction is resolved before its records are trusted
 * without a check.
 */
export const TX_CONFIRM_WINDOW_MS = 10 * 60_000

/** Metadata keys every record carries: which transaction wrote it, and when. */
export const META_TX = 'tx'
export const META_TX_MS = 'txms'
/** Set on a record claimed by a committed-but-not-yet-cleaned-up delete. */
export const META_DELETING = 'deleting'
/** A copy of the record's text (base64), so lists need no GET per record (when it fits in R2's metadata). */
export const META_AGI = 'agi'
export const META_AGI_MAX_BYTES = 4096
