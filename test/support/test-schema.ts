import { parseSchema } from '../../shared/agi/index.ts'

/** A small schema for store tests, independent of the ERP schema's evolution. */
export const TEST_SCHEMA = parseSchema(
  `
ENTITY Customer {
  tenant_id: string REQUIRED
  name:      string REQUIRED
  email:     string INDEX
  phone:     string
  notes:     string
  TIMESTAMPS
  CRUD create, read, list, edit, delete
}

ENTITY Invoice {
  tenant_id:   string REQUIRED
  customer_id: id REQUIRED REFERENCES Customer
  total:       money REQUIRED
  status:      string = "draft" IN ("draft", "sent", "paid", "void")
  issued:      date INDEX
  TIMESTAMPS
  CRUD create, read, list, edit
}

// Lines are written only inside transactions that keep the invoice total right.
ENTITY Line {
  tenant_id:  string REQUIRED
  invoice_id: id REQUIRED REFERENCES Invoice
  amount:     money REQUIRED
  TIMESTAMPS
  CRUD read, list
}
`,
  'test.agi',
)
