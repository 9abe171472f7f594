import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { EntitySpec, Schema } from '../../shared/agi/types.ts'
import { ValidationError } from '../../shared/errors.ts'
import {
  MAX_ENTRY_MS,
  assertTenant,
  entityPrefix,
  gitPathOfRecordKey,
  idempotencyRecordKey,
  indexCompleteKey,
  indexFieldPrefix,
  indexKey,
  indexRangeStart,
  indexValuePrefix,
  indexValueText,
  parseIndexKey,
  intentKey,
  isTenant,
  isUuid,
  isUuidV7,
  isoUtcMillis,
  newId,
  parseIdempotencyRecordKey,
  parseIntentKey,
  parsePendingEntryKey,
  parseQuarantineKey,
  parseRecordKey,
  parseRecordKeyWithoutSchema,
  parseSyncedEntryKey,
  pendingEntriesPrefix,
  pendingEntryKey,
  quarantineKey,
  recordKey,
  recordKeyNamedByGitPath,
  recordKeyOfGitPath,
  syncedEntriesPrefix,
  syncedEntryKey,
  syncedKeyForPending,
  tenantDataPrefix,
  uuidV7Millis,
} from '../../shared/keys.ts'
import { ERP_SCHEMA } from '../../shared/schema/index.ts'
import { thrownBy } from '../support/thrown.ts'

function entity(name: string): EntitySpec {
  return { name, fields: [], timestamps: false, crud: new Set(['create', 'read']) }
}
const schema: Schema = { entities: new Map(['Invoice', 'Customer', 'JournalEntry'].map((name) => [name, entity(name)])) }

const ID = '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001'
const OID = '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c0ff'

/** Characters that have broken path handling somewhere: separators, dots, encodings, look-alikes. */
const hostileChar = fc.constantFrom('.', '/', '\\', '%', '2', 'e', 'f', 'a', '0', '-', '_', 'A', 'I', ' ', '\0', '\n', 'é', '\u2215', '\uFF0F', '\u200B', 'İ', 'ı', '😀', '\uD800', ':', '?', '#', '*')
const hostileString = fc.string({ unit: hostileChar, maxLength: 12 })
const anyString = fc.oneof(fc.string({ unit: 'binary', maxLength: 70 }), hostileString, fc.constantFrom('', '.', '..', '../acme', 'acme/../other', 'acme%2f..', 'ACME'))
const validTenant = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,62}$/)
const tenantInput = fc.oneof(validTenant, anyString, validTenant.map((t) => `${t}/`), validTenant.map((t) => `${t}/../x`))
const entityInput = fc.oneof(fc.constantFrom('Invoice', 'Customer', 'JournalEntry', 'invoice', 'Invoice/', '../Invoice', 'Unknown'), anyString)
const idInput = fc.oneof(fc.uuid(), fc.uuid().map((u) => u.toUpperCase()), fc.uuid().map((u) => `${u}/..`), anyString)

function expectValidationError(fn: () => unknown): void {
  expect(fn).toThrow(ValidationError)
}

describe('record keys', () => {
  it('builds and parses the documented layout', () => {
    const key = recordKey(schema, 'acme', 'Invoice', ID)
    expect(key).toBe(`data/acme/Invoice/${ID}.agi`)
    expect(parseRecordKey(schema, key)).toEqual({ tenant: 'acme', entity: 'Invoice', id: ID })
    expect(entityPrefix(schema, 'acme', 'Invoice')).toBe('data/acme/Invoice/')
    expect(tenantDataPrefix('acme')).toBe('data/acme/')
    expect(key.startsWith(entityPrefix(schema, 'acme', 'Invoice'))).toBe(true)
  })

  it('accepts the tenant pattern at its edges', () => {
    for (const tenant of ['a', '0', 'a-', 'acme-2', 'a'.repeat(63)]) expect(isTenant(tenant)).toBe(true)
    for (const tenant of ['', '-a', 'Acme', 'a'.repeat(64), 'a_b', 'a.b', 'a/b', '..', 'é', 'acme ']) {
      expect(isTenant(tenant)).toBe(false)
      expectValidationError(() => assertTenant(tenant))
    }
  })

  it.each([
    ['tenant with slash', 'acme/x', 'Invoice', ID],
    ['tenant ..', '..', 'Invoice', ID],
    ['upper-case tenant', 'Acme', 'Invoice', ID],
    ['unicode tenant', 'acmé', 'Invoice', ID],
    ['empty tenant', '', 'Invoice', ID],
    ['over-long tenant', 'a'.repeat(64), 'Invoice', ID],
    ['unknown entity', 'acme', 'Unknown', ID],
    ['entity with wrong case', 'acme', 'invoice', ID],
    ['entity with slash', 'acme', 'Invoice/..', ID],
    ['upper-case id', 'acme', 'Invoice', ID.toUpperCase()],
    ['id without dashes', 'acme', 'Invoice', ID.replaceAll('-', '')],
    ['id with ..', 'acme', 'Invoice', '..'],
    ['id with braces', 'acme', 'Invoice', `{${ID}}`],
    ['nil uuid', 'acme', 'Invoice', '00000000-0000-0000-0000-000000000000'],
  ])('rejects %s', (_label, tenant, entityName, id) => {
    expectValidationError(() => recordKey(schema, tenant, entityName, id))
  })

  it('names the offending part in the error', () => {
    expect(() => recordKey(schema, 'Acme', 'Invoice', ID)).toThrow(/invalid tenant "Acme"/)
    expect(() => recordKey(schema, 'acme', 'Nope', ID)).toThrow(/invalid entity "Nope": no such entity/)
    expect(() => recordKey(schema, 'acme', 'Invoice', 'x')).toThrow(/invalid id "x"/)
    expect(() => parseRecordKey(schema, 'data/acme/Invoice/x.agi')).toThrow(/invalid key/)
    expect(() => recordKey(schema, 'x'.repeat(500), 'Invoice', ID)).toThrow(/…/)
  })

  it('parses only exact keys', () => {
    for (const key of [
      `data/acme/Invoice/${ID}.agi/`,
      `/data/acme/Invoice/${ID}.agi`,
      `data/acme/Invoice/${ID}.AGI`,
      `data/acme/Invoice/${ID}`,
      `data/acme/../Invoice/${ID}.agi`,
      `data/acme//Invoice/${ID}.agi`,
      `data/acme/Invoice/x/${ID}.agi`,
      `data/acme/Unknown/${ID}.agi`,
      `data/acme/Invoice/${ID}.agi\n`,
      `commits/acme/Invoice/${ID}.agi`,
    ]) {
      expectValidationError(() => parseRecordKey(schema, key))
    }
    // Without the schema, any well-formed entity name passes; with it, only declared ones.
    expect(parseRecordKeyWithoutSchema(`data/acme/Retired/${ID}.agi`)).toEqual({ tenant: 'acme', entity: 'Retired', id: ID })
    expectValidationError(() => parseRecordKey(schema, `data/acme/Retired/${ID}.agi`))
  })

  it('accepts ids of any UUID version when parsing existing paths', () => {
    const v4 = '9b2e41f0-a6d2-4c00-9193-f6c28e1a7c3d'
    expect(parseRecordKey(schema, `data/acme/Customer/${v4}.agi`).id).toBe(v4)
    expect(recordKey(schema, 'acme', 'Customer', v4)).toBe(`data/acme/Customer/${v4}.agi`)
  })

  it('no input can produce a key outside data/<tenant>/ (property)', () => {
    let built = 0
    fc.assert(
      fc.property(tenantInput, entityInput, idInput, (tenant, entityName, id) => {
        let key: string
        try {
          key = recordKey(schema, tenant, entityName, id)
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError)
          return
        }
        expect(key.startsWith(`data/${tenant}/`)).toBe(true)
        expect(key).toMatch(/^data\/[a-z0-9][a-z0-9-]{0,62}\/(Invoice|Customer|JournalEntry)\/[0-9a-f-]{36}\.agi$/)
        expect(key.split('/')).toHaveLength(4)
        expect(parseRecordKey(schema, key)).toEqual({ tenant, entity: entityName, id })
        built += 1
      }),
      { numRuns: 2000 },
    )
    // The generators must reach the accepting path too, or the property proves nothing.
    expect(built).toBeGreaterThan(5)
  })

  it('every key that parses is the canonical key of its parts (property)', () => {
    const keyInput = fc.oneof(
      anyString,
      fc.tuple(tenantInput, entityInput, idInput).map(([t, e, i]) => `data/${t}/${e}/${i}.agi`),
    )
    fc.assert(
      fc.property(keyInput, (key) => {
        let parts
        try {
          parts = parseRecordKey(schema, key)
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError)
          return
        }
        expect(recordKey(schema, parts.tenant, parts.entity, parts.id)).toBe(key)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('git paths of records', () => {
  it('places a record two levels below its entity folder, by the last four hex digits of its id', () => {
    const key = recordKey(schema, 'acme', 'Invoice', ID)
    expect(gitPathOfRecordKey(key)).toBe(`data/acme/Invoice/c0/01/${ID}.agi`)
    expect(recordKeyOfGitPath(`data/acme/Invoice/c0/01/${ID}.agi`)).toBe(key)
    expect(gitPathOfRecordKey(`data/globex/Customer/${OID}.agi`)).toBe(`data/globex/Customer/c0/ff/${OID}.agi`)
  })

  it('maps every record key to one place and back, whatever the tenant, entity and id', () => {
    fc.assert(
      fc.property(validTenant, fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,63}$/), fc.uuid(), (tenant, entityName, id) => {
        const key = `data/${tenant}/${entityName}/${id}.agi`
        const path = gitPathOfRecordKey(key)
        expect(path).toBe(`data/${tenant}/${entityName}/${id.slice(-4, -2)}/${id.slice(-2)}/${id}.agi`)
        expect(recordKeyOfGitPath(path)).toBe(key)
        expect(recordKeyNamedByGitPath(path)).toBe(key)
      }),
      { numRuns: 2000 },
    )
  })

  it('refuses anything that is not a record key, or not a record\'s place in git', () => {
    for (const key of ['commits/acme/x.json', `data/acme/Invoice/${ID.toUpperCase()}.agi`, `data/acme/../Invoice/${ID}.agi`, `data/acme/Invoice/c0/01/${ID}.agi`]) {
      expectValidationError(() => gitPathOfRecordKey(key))
    }
    for (const path of [`data/acme/Invoice/${ID}.agi`, `data/acme/Invoice/01/c0/${ID}.agi`, `data/acme/Invoice/c0/${ID}.agi`, `data/acme/Invoice/c0/01/x/${ID}.agi`, `data/acme/Invoice/C0/01/${ID}.agi`]) {
      expectValidationError(() => recordKeyOfGitPath(path))
    }
    fc.assert(
      fc.property(anyString, (path) => {
        try {
          expect(gitPathOfRecordKey(recordKeyOfGitPath(path))).toBe(path)
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError)
        }
      }),
    )
  })

  it('names the record of a file found anywhere below its entity folder, for verify to move', () => {
    const key = `data/acme/Invoice/${ID}.agi`
    expect(recordKeyNamedByGitPath(key)).toBe(key)
    expect(recordKeyNamedByGitPath(`data/acme/Invoice/old/2024/${ID}.agi`)).toBe(key)
    expect(recordKeyNamedByGitPath(`data/acme/Invoice/c0/01/${ID}.txt`)).toBeNull()
    expect(recordKeyNamedByGitPath(`data/acme/${ID}.agi`)).toBeNull()
    expect(recordKeyNamedByGitPath('data/acme/notes.txt')).toBeNull()
  })

  it('keeps directories narrow: 65,536 leaves, so 100,000 random ids put at most a few in each', () => {
    const leaves = new Map<string, number>()
    const middles = new Map<string, Set<string>>()
    for (let i = 0; i < 100_000; i++) {
      const path = gitPathOfRecordKey(`data/acme/Invoice/${crypto.randomUUID()}.agi`)
      const leaf = path.slice(0, path.lastIndexOf('/'))
      leaves.set(leaf, (leaves.get(leaf) ?? 0) + 1)
      const middle = leaf.slice(0, leaf.lastIndexOf('/'))
      middles.set(middle, (middles.get(middle) ?? new Set()).add(leaf))
    }
    // The entity folder holds at most 256 folders, each of them at most 256, each a handful of records.
    expect(middles.size).toBeLessThanOrEqual(256)
    expect(Math.max(...[...middles.values()].map((set) => set.size))).toBeLessThanOrEqual(256)
    expect(Math.max(...leaves.values())).toBeLessThan(20)
  })
})

describe('commit entry keys', () => {
  const ts = '2026-06-25T16:54:37.616Z'
  const ms = Date.parse(ts)

  it('builds the pending and synced layout with inverted milliseconds', () => {
    const inverted = String(MAX_ENTRY_MS - ms).padStart(13, '0')
    expect(pendingEntryKey('acme', ts, OID)).toBe(`commits/acme/${inverted}-${OID}.json`)
    expect(syncedEntryKey('acme', new Date(ts), OID)).toBe(`synced/acme/${inverted}-${OID}.json`)
    expect(parsePendingEntryKey(`commits/acme/${inverted}-${OID}.json`)).toEqual({ tenant: 'acme', ms, oid: OID })
    expect(parseSyncedEntryKey(`synced/acme/${inverted}-${OID}.json`)).toEqual({ tenant: 'acme', ms, oid: OID })
    expect(syncedKeyForPending(`commits/acme/${inverted}-${OID}.json`)).toBe(`synced/acme/${inverted}-${OID}.json`)
    expect(pendingEntriesPrefix()).toBe('commits/')
    expect(pendingEntriesPrefix('acme')).toBe('commits/acme/')
    expect(syncedEntriesPrefix('acme')).toBe('synced/acme/')
  })

  it('pads to 13 digits at the ends of the range', () => {
    expect(pendingEntryKey('acme', new Date(MAX_ENTRY_MS), OID)).toBe(`commits/acme/0000000000000-${OID}.json`)
    expect(pendingEntryKey('acme', new Date(0), OID)).toBe(`commits/acme/9999999999999-${OID}.json`)
    expect(parsePendingEntryKey(`commits/acme/0000000000000-${OID}.json`).ms).toBe(MAX_ENTRY_MS)
  })

  it('round-trips and lists newest first (property)', () => {
    const msArb = fc.integer({ min: 0, max: MAX_ENTRY_MS })
    fc.assert(
      fc.property(validTenant, msArb, msArb, fc.uuid(), (tenant, a, b, oid) => {
        const keyA = pendingEntryKey(tenant, new Date(a), oid)
        const keyB = pendingEntryKey(tenant, new Date(b), oid)
        expect(parsePendingEntryKey(keyA)).toEqual({ tenant, ms: a, oid })
        expect(parseSyncedEntryKey(syncedKeyForPending(keyA))).toEqual({ tenant, ms: a, oid })
        if (a < b) expect(keyB < keyA).toBe(true)
        expect(keyA.startsWith(`commits/${tenant}/`)).toBe(true)
      }),
    )
  })

  it('rejects bad timestamps, oids and tenants', () => {
    for (const bad of ['2026-06-25T16:54:37Z', '2026-06-25T16:54:37.616+00:00', '2026-02-30T00:00:00.000Z', 'yesterday', '', '1969-12-31T23:59:59.999Z']) {
      expectValidationError(() => pendingEntryKey('acme', bad, OID))
    }
    expectValidationError(() => pendingEntryKey('acme', new Date(Number.NaN), OID))
    expectValidationError(() => pendingEntryKey('acme', new Date(MAX_ENTRY_MS + 1), OID))
    expectValidationError(() => pendingEntryKey('acme', ts, OID.toUpperCase()))
    expectValidationError(() => pendingEntryKey('Acme', ts, OID))
    expectValidationError(() => syncedEntryKey('../x', ts, OID))
    for (const key of [`commits/acme/123-${OID}.json`, `commits/${OID}.json`, `synced/acme/0000000000000-${OID}.json`, `commits/acme/0000000000000-${OID}.json.tmp`]) {
      expectValidationError(() => parsePendingEntryKey(key))
    }
    expectValidationError(() => parseSyncedEntryKey(`commits/acme/0000000000000-${OID}.json`))
  })

  it('parses strict ISO UTC milliseconds only', () => {
    expect(isoUtcMillis('2026-06-25T16:54:37.616Z')).toBe(Date.parse('2026-06-25T16:54:37.616Z'))
    expect(isoUtcMillis('2024-02-29T00:00:00.000Z')).toBeDefined()
    expect(isoUtcMillis('2025-02-29T00:00:00.000Z')).toBeUndefined()
    expect(isoUtcMillis('2026-06-25T24:00:00.000Z')).toBeUndefined()
    expect(isoUtcMillis('2026-06-25 16:54:37.616Z')).toBeUndefined()
  })
})

describe('intent, quarantine and idempotency keys', () => {
  it('builds and parses intent keys, one prefix per tenant', () => {
    expect(intentKey('acme', OID)).toBe(`intents/acme/${OID}.json`)
    expect(parseIntentKey(`intents/acme/${OID}.json`)).toEqual({ tenant: 'acme', oid: OID })
    expectValidationError(() => intentKey('acme', '../x'))
    expectValidationError(() => intentKey('../x', OID))
    expectValidationError(() => parseIntentKey(`intents/acme/x/${OID}.json`))
  })

  it('still parses a legacy intent key, which names no tenant', () => {
    expect(parseIntentKey(`intents/${OID}.json`)).toEqual({ oid: OID })
  })

  it('quarantines keys under known prefixes, malformed ones included', () => {
    const pending = `commits/acme/0000000000000-${OID}.json`
    expect(quarantineKey(pending)).toBe(`quarantine/${pending}`)
    expect(parseQuarantineKey(`quarantine/${pending}`)).toBe(pending)
    expect(quarantineKey('commits/garbage name.json')).toBe('quarantine/commits/garbage name.json')
    for (const bad of ['other/x', 'quarantine/commits/x', 'commits/../data/x', 'commits//x', 'commits/./x', 'commits/x\n', 'commits/\\x', 'data/', '']) {
      expectValidationError(() => quarantineKey(bad))
    }
    expectValidationError(() => quarantineKey(`data/${'x'.repeat(1020)}`))
    expectValidationError(() => parseQuarantineKey('commits/x'))
    expectValidationError(() => parseQuarantineKey('quarantine/../x'))
  })

  it('hashes idempotency keys into the tenant prefix', async () => {
    const key = await idempotencyRecordKey('acme', 'retry-42')
    expect(key).toMatch(/^idempotency\/acme\/[0-9a-f]{64}\.json$/)
    expect(await idempotencyRecordKey('acme', 'retry-42')).toBe(key)
    expect(await idempotencyRecordKey('other', 'retry-42')).toBe(key.replace('/acme/', '/other/'))
    expect(await idempotencyRecordKey('acme', 'retry-43')).not.toBe(key)
    expect(parseIdempotencyRecordKey(key)).toEqual({ tenant: 'acme', hash: key.slice('idempotency/acme/'.length, -'.json'.length) })
    // sha256("abc")
    expect(await idempotencyRecordKey('acme', 'abc')).toBe('idempotency/acme/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad.json')
  })

  it('refuses idempotency values that are not visible ASCII, and bad tenants', async () => {
    for (const bad of ['', ' x', 'x ', 'é', 'a\nb', 'x'.repeat(256)]) {
      await expect(idempotencyRecordKey('acme', bad)).rejects.toBeInstanceOf(ValidationError)
    }
    await expect(idempotencyRecordKey('../acme', 'x')).rejects.toBeInstanceOf(ValidationError)
    expect(await idempotencyRecordKey('acme', 'x'.repeat(255))).toMatch(/^idempotency\/acme\//)
  })

  it('keeps any idempotency value inside the tenant prefix (property)', async () => {
    await fc.assert(
      fc.asyncProperty(validTenant, anyString, async (tenant, value) => {
        try {
          const key = await idempotencyRecordKey(tenant, value)
          expect(key).toMatch(new RegExp(`^idempotency/${tenant}/[0-9a-f]{64}\\.json$`))
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError)
        }
      }),
      { numRuns: 300 },
    )
  })
})

describe('ids', () => {
  it('newId makes RFC 9562 UUIDv7s carrying the time', () => {
    const now = new Date('2026-06-25T16:54:37.616Z')
    const id = newId(now)
    expect(isUuidV7(id)).toBe(true)
    expect(isUuid(id)).toBe(true)
    expect(id[14]).toBe('7')
    expect('89ab').toContain(id[19])
    expect(uuidV7Millis(id)).toBe(now.getTime())
    expect(id.startsWith('019effb4-7730-7')).toBe(true)
  })

  it('keeps ids of the same millisecond in creation order', () => {
    const now = new Date('2030-01-01T00:00:00.000Z')
    const ids = Array.from({ length: 5000 }, () => newId(now))
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(ids)
    expect(ids.every(isUuidV7)).toBe(true)
    // Running out of counter values borrows the next millisecond rather than breaking order.
    expect(uuidV7Millis(ids.at(-1)!)).toBeGreaterThanOrEqual(now.getTime())
    expect(uuidV7Millis(ids.at(-1)!) - now.getTime()).toBeLessThan(5)
  })

  it('orders ids by time, and honours an explicit older time', () => {
    const a = newId(new Date('2031-01-01T00:00:00.000Z'))
    const b = newId(new Date('2031-01-01T00:00:00.001Z'))
    expect(a < b).toBe(true)
    const old = newId(new Date('2020-01-01T00:00:00.000Z'))
    expect(uuidV7Millis(old)).toBe(Date.parse('2020-01-01T00:00:00.000Z'))
  })

  it('isUuid accepts lowercase canonical UUIDs of any version only', () => {
    expect(isUuid('9b2e41f0-a6d2-4c00-9193-f6c28e1a7c3d')).toBe(true)
    expect(isUuidV7('9b2e41f0-a6d2-4c00-9193-f6c28e1a7c3d')).toBe(false)
    for (const bad of ['', ID.toUpperCase(), ID.slice(1), `${ID}0`, ID.replace('-7', '-0'), ID.replace('-9b', '-cb'), ` ${ID}`]) {
      expect(isUuid(bad)).toBe(false)
    }
    expect(isUuid(42)).toBe(false)
  })
})

describe('index keys', () => {
  const id = '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001'
  const hostile = ['../../data/globex/Customer', 'a/b', '', ' ', '%2F..%2F', 'x\u0000y', 'Ünïcödé ✓', '\u202e', 'data/acme/Customer/x.agi', '}\n{', 'a'.repeat(256)]

  it('spells every value, hostile ones included, as hex inside its tenant, entity and field, and parses back', () => {
    for (const value of hostile) {
      const key = indexKey(ERP_SCHEMA, 'acme', 'Customer', 'email', value, id)
      expect(key.startsWith('index/acme/Customer/email/x')).toBe(true)
      expect(key.split('/')).toHaveLength(6)
      expect(key).toMatch(/^index\/acme\/Customer\/email\/x[0-9a-f]*\/[0-9a-f-]{36}$/)
      expect(parseIndexKey(key)).toEqual({ tenant: 'acme', entity: 'Customer', field: 'email', value, id })
    }
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (value) => {
        expect(parseIndexKey(indexKey(ERP_SCHEMA, 'acme', 'Customer', 'email', value, id)).value).toBe(value)
      }),
    )
  })

  it('keeps byte order: a range of values is a range of keys', () => {
    const keyOf = (value: string) => indexKey(ERP_SCHEMA, 'acme', 'JournalEntry', 'date', value, id)
    const bytes = (value: string) => [...new TextEncoder().encode(value)]
    const compareBytes = (a: string, b: string) => {
      const [x, y] = [bytes(a), bytes(b)]
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!
      return x.length - y.length
    }
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ unit: 'grapheme', maxLength: 20 }), (a, b) => {
        const byKey = keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0
        expect(byKey).toBe(Math.sign(compareBytes(a, b)))
      }),
      { numRuns: 2000 },
    )
    const dates = ['2026-03-31', '2026-03-01', '2025-12-31', '2026-03-10', '2026-04-01']
    expect(dates.map(keyOf).sort()).toEqual([...dates].sort().map(keyOf))
    // A range scan starts just before the first value's entries, and after every smaller value's.
    const start = indexRangeStart(ERP_SCHEMA, 'acme', 'JournalEntry', 'date', '2026-03-01')
    expect(keyOf('2026-03-01') > start).toBe(true)
    expect(keyOf('2026-02-28') < start).toBe(true)
    expect(keyOf('2026-03-01') < indexValuePrefix(ERP_SCHEMA, 'acme', 'JournalEntry', 'date', '2026-03-02')).toBe(true)
  })

  it('refuses a bad tenant, an undeclared entity, a field without an index, a bad id and a value too long', () => {
    const bad: [string, () => unknown][] = [
      ['tenant', () => indexKey(ERP_SCHEMA, '../globex', 'Customer', 'email', 'a', id)],
      ['tenant', () => indexFieldPrefix(ERP_SCHEMA, 'Acme', 'Customer', 'email')],
      ['entity', () => indexKey(ERP_SCHEMA, 'acme', 'Ghost', 'email', 'a', id)],
      ['field', () => indexKey(ERP_SCHEMA, 'acme', 'Customer', 'name', 'a', id)],
      ['field', () => indexKey(ERP_SCHEMA, 'acme', 'Customer', '../email', 'a', id)],
      ['field', () => indexCompleteKey(ERP_SCHEMA, 'Invoice', 'total')],
      ['id', () => indexKey(ERP_SCHEMA, 'acme', 'Customer', 'email', 'a', '../x')],
      ['value', () => indexKey(ERP_SCHEMA, 'acme', 'Customer', 'email', 'é'.repeat(129), id)],
    ]
    for (const [field, build] of bad) {
      expect(thrownBy(ValidationError, build).message, field).toContain(`invalid ${field}`)
    }
    expect(indexKey(ERP_SCHEMA, 'acme', 'Invoice', 'customer_id', id, id)).toBe(`index/acme/Invoice/customer_id/x${Buffer.from(id).toString('hex')}/${id}`)
    expect(indexCompleteKey(ERP_SCHEMA, 'Invoice', 'status')).toBe('index-complete/Invoice/status.json')
  })

  it('parses only well-formed index keys', () => {
    const good = indexKey(ERP_SCHEMA, 'acme', 'Customer', 'email', 'ab', id)
    for (const key of [
      good.replace('x6162', 'x616'),
      good.replace('x6162', 'x6A62'),
      good.replace('x6162', '6162'),
      good.replace('x6162', 'xff'),
      good.replace('acme', 'ACME'),
      `${good}/`,
      good.replace(id, 'nope'),
      `quarantine/${good}`,
    ]) {
      expect(() => parseIndexKey(key), key).toThrow(ValidationError)
    }
  })

  it('builds index keys for indexed values through the schema: indexValueText', () => {
    expect([indexValueText('sent'), indexValueText(175000n), indexValueText(true), indexValueText(3)]).toEqual(['sent', '175000', 'true', '3'])
  })
})
