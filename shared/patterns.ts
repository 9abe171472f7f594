/**
 * Text patterns that bucket keys, `.agi` values and tool inputs all check against, written once so the
 * layers cannot drift apart. `*_SOURCE` is the unanchored text, for building larger patterns (keys).
 */

/**
 * A lowercase canonical UUID of a real RFC 9562 version (1-8) and the RFC variant. The store creates
 * UUIDv7s (`newId`); older data may carry any version, so all are accepted, but the nil UUID and other
 * hex that merely has the shape are not ids the store could hold.
 */
export const UUID_SOURCE = '[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}'
export const UUID_PATTERN = new RegExp(`^${UUID_SOURCE}$`)
/** The version the store creates: its first 48 bits are the creation time. */
export const UUID_V7_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

export const TENANT_SOURCE = '[a-z0-9][a-z0-9-]{0,62}'
export const TENANT_PATTERN = new RegExp(`^${TENANT_SOURCE}$`)

/** `YYYY-MM-DD`, year, month and day captured; whether the day exists is checked apart. */
export const DATE_PATTERN = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/
/** `YYYY-MM-DDTHH:MM:SS[.sss]Z`: date, hours, minutes and seconds captured. */
export const UTC_DATETIME_PATTERN = /^([0-9]{4}-[0-9]{2}-[0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]{3})?Z$/
