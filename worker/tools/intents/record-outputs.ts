import * as z from 'zod'
import { ERP_SCHEMA } from '../../../shared/schema/index.ts'
import { recordResponseSchema } from '../record-response.ts'

/** The answer shape of one ERP record, for the intent tools' output schemas (the entities they write are fixed). */
export function erpRecordOutput(entity: string) {
  const spec = ERP_SCHEMA.entities.get(entity)
  if (spec === undefined) throw new Error(`the ERP schema has no entity ${entity}`)
  return recordResponseSchema(spec)
}

export function erpRecordsOutput(entity: string) {
  return z.array(erpRecordOutput(entity))
}
