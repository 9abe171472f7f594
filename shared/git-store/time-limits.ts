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
