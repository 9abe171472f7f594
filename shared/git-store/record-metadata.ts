/**
 * Names of the metadata a record object carries beside its text. Readers, recovery and the Action's
 * bucket view all judge a record by them, so they are spelled once.
 */

/** Every record carries these: the transaction that wrote it, and that transaction's time (epoch ms). */
export const META_TX = 'tx'
export const META_TX_MS = 'txms'
/** Set on a record claimed by a committed-but-not-yet-cleaned-up delete. */
export const META_DELETING = 'deleting'
/** A copy of the record's text (base64), so lists need no GET per record (when it fits in R2's metadata). */
export const META_AGI = 'agi'
export const META_AGI_MAX_BYTES = 4096
