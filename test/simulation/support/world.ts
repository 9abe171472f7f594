import { ERP_SCHEMA } from '../../../shared/schema/index.ts'
import { entityNames } from '../../../worker/tools/generic/entity-names.ts'

export interface KnownRecord {
  id: string
  /** The version last seen in an answer: what an `expected_version` names. */
  version?: string
  fields: Record<string, unknown>
  /** Deleted as far as the clients know (kept: a just-deleted customer is a good target for a race). */
  deleted: boolean
}

const NAMES = [...ERP_SCHEMA.entities.keys()].map((entity) => entityNames(entity))

/** What the clients have learned from the answers they heard: the ids their next calls aim at. */
export class World {
  readonly #byEntity = new Map<string, Map<string, KnownRecord>>()

  /** Takes in every record an answer names, under the response names the tools use (`customer`, `invoices`, ...). */
  learn(body: Record<string, any>): void {
    for (const { entity, singular, plural } of NAMES) {
      const one = body[singular]
      if (isRecord(one)) this.#remember(entity, one)
      const many = body[plural]
      if (Array.isArray(many)) for (const item of many) if (isRecord(item)) this.#remember(entity, item)
    }
    const deleted = body.deleted
    if (deleted !== null && typeof deleted === 'object' && typeof deleted.entity === 'string' && typeof deleted.id === 'string') {
      const known = this.#of(deleted.entity).get(deleted.id)
      if (known !== undefined) known.deleted = true
    }
  }

  /** Known records of `entity`, deleted ones included only when asked. */
  known(entity: string, options: { withDeleted?: boolean } = {}): KnownRecord[] {
    return [...this.#of(entity).values()].filter((record) => options.withDeleted === true || !record.deleted)
  }

  /** Learns everything `other` knows (the shared setup's world). */
  absorb(other: World): void {
    for (const [entity, records] of other.#byEntity) {
      for (const record of records.values()) this.#of(entity).set(record.id, { ...record, fields: { ...record.fields } })
    }
  }

  #remember(entity: string, json: Record<string, unknown> & { id: string }): void {
    const { id, version, ...fields } = json
    this.#of(entity).set(id, { id, version: typeof version === 'string' ? version : undefined, fields, deleted: false })
  }

  #of(entity: string): Map<string, KnownRecord> {
    let records = this.#byEntity.get(entity)
    if (records === undefined) {
      records = new Map()
      this.#byEntity.set(entity, records)
    }
    return records
  }
}

function isRecord(value: unknown): value is Record<string, unknown> & { id: string } {
  return value !== null && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string'
}
