import type { CrudOperation } from '../../../shared/agi/types.ts'
import { responseName } from '../record-response.ts'

/** How an entity is named in tool names and responses: `InvoiceLineItem` → `invoice_line_item(s)`. */
export interface EntityNames {
  entity: string
  /** snake_case: the response key for one record, and the suffix of read/create/edit/delete tools. */
  singular: string
  /** snake_case plural: the response key for a list, and the suffix of the list tool. */
  plural: string
  /** Lower-case words for titles and descriptions: "invoice line item". */
  words: string
  pluralWords: string
}

export function entityNames(entity: string): EntityNames {
  const singular = responseName(entity)
  const plural = pluralize(singular)
  return { entity, singular, plural, words: singular.replaceAll('_', ' '), pluralWords: plural.replaceAll('_', ' ') }
}

/** English plurals of the last word, enough for entity names: entry → entries, tax → taxes, item → items. */
function pluralize(snake: string): string {
  if (/[^aeiou]y$/.test(snake)) return `${snake.slice(0, -1)}ies`
  if (/(s|x|z|ch|sh)$/.test(snake)) return `${snake}es`
  return `${snake}s`
}

/** The generic tool for one CRUD operation: `list_invoices`, `read_invoice`, `create_customer`, ... */
export function genericToolName(operation: CrudOperation, names: EntityNames): string {
  return `${operation}_${operation === 'list' ? names.plural : names.singular}`
}
