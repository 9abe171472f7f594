import { parseSchema } from '../agi/schema-parser.ts'
import type { Schema } from '../agi/types.ts'
import { ERP_SCHEMA_SOURCE } from './erp-schema.ts'

export { ERP_SCHEMA_SOURCE }

/** The ERP's entities, parsed once at load; a broken schema fails at startup, never mid-request. */
export const ERP_SCHEMA: Schema = parseSchema(ERP_SCHEMA_SOURCE, 'erp.agi')
