/**
 * The ERP schema in `.agi` syntax (reported as `erp.agi` in parse errors). Kept as a TS module
 * rather than a `.agi` file so that every bundler (ncc, wrangler, vitest) includes it unchanged.
 */
export const ERP_SCHEMA_SOURCE = `// Accelerando ERP schema.
//
// Every entity carries tenant_id and TIMESTAMPS. CRUD lists exactly what the generic tools may do;
// anything an accounting rule forbids (deleting a posted entry, editing a payment) is left out and
// done through an intent tool that writes the compensating records in one transaction instead.
// A field that has a default and is also REQUIRED can never be unset by a patch.
// INDEX marks what agents filter lists on (every REFERENCES field is indexed without it): the store keeps an
// index entry per record and value, so a filtered list costs per page, not per collection.

ENTITY Customer {
  tenant_id: string REQUIRED
  name:      string REQUIRED
  email:     string INDEX
  phone:     string
  address:   string
  tax_id:    string
  notes:     string
  TIMESTAMPS
  CRUD create, read, list, edit, delete
}

ENTITY Vendor {
  tenant_id: string REQUIRED
  name:      string REQUIRED
  email:     string INDEX
  phone:     string
  address:   string
  tax_id:    string
  notes:     string
  TIMESTAMPS
  CRUD create, read, list, edit, delete
}

// Chart of accounts. Journal lines refer to an account by its code, so an account that has been
// used must keep existing: it is deactivated (active = false), never deleted. A code names one
// account of the tenant, and once a journal line uses it, it never changes.
ENTITY Account {
  tenant_id:   string REQUIRED
  code:        string REQUIRED UNIQUE INDEX
  name:        string REQUIRED
  type:        string REQUIRED IN ("asset", "liability", "equity", "income", "expense")
  description: string
  active:      bool = true REQUIRED
  TIMESTAMPS
  CRUD create, read, list, edit
}

// An issued invoice is a legal document: it is voided (status "void"), never deleted, so its
// number stays accounted for. It is created with its lines by create_invoice_with_lines (so the
// total is the sum of the lines); status changes go through update_invoice_status, which refuses
// illegal transitions (draft -> sent -> paid | void), and amount_paid through record_payment.
// Those fields are COMPUTED: the generic edit_invoice may change the others (dates, notes, ...).
ENTITY Invoice {
  tenant_id:   string REQUIRED
  customer_id: id REQUIRED REFERENCES Customer
  number:      string
  status:      string = "draft" IN ("draft", "sent", "paid", "void") REQUIRED COMPUTED INDEX
  issue_date:  date
  due_date:    date
  currency:    string = "USD" REQUIRED
  total:       money REQUIRED COMPUTED
  amount_paid: money = 0.00 REQUIRED COMPUTED
  notes:       string
  TIMESTAMPS
  CRUD read, list, edit
}

// Lines are written only by create_invoice_with_lines, together with their invoice, so that the
// invoice total is always the sum of its line totals.
ENTITY InvoiceLineItem {
  tenant_id:   string REQUIRED
  invoice_id:  id REQUIRED REFERENCES Invoice
  position:    number REQUIRED
  description: string REQUIRED
  # Up to four decimals. Stored as a float: every quantity the intent tool accepts (positive, at
  # most four decimals, at most one billion) has at most 13 significant digits, so its shortest
  # float spelling is exactly the decimal that was entered and reads back unchanged; line_total is
  # computed from the exact decimal in integer units, never from the float.
  qty:         float REQUIRED
  unit_price:  money REQUIRED
  # qty x unit_price rounded once to the cent, half away from zero.
  line_total:  money REQUIRED
  TIMESTAMPS
  CRUD read, list
}

// Payments are created by record_payment, which also updates the invoice's amount_paid and status
// in the same transaction. A mistaken payment is not edited or deleted: a reversing payment with
// the negated amount points at it through reverses, so the history of cash stays intact.
ENTITY Payment {
  tenant_id:  string REQUIRED
  invoice_id: id REQUIRED REFERENCES Invoice
  amount:     money REQUIRED
  date:       date REQUIRED
  method:     string
  reference:  string
  reverses:   id REFERENCES Payment
  TIMESTAMPS
  CRUD read, list
}

// Posted journal entries are immutable: a correction is a new entry with debits and credits
// swapped (reverse_journal_entry), linked both ways through reverses and reversed_by. Entries are
// created only by create_journal_entry, which refuses them unless debits equal credits exactly.
ENTITY JournalEntry {
  tenant_id:   string REQUIRED
  date:        date REQUIRED INDEX
  memo:        string REQUIRED
  reverses:    id REFERENCES JournalEntry
  reversed_by: id REFERENCES JournalEntry
  TIMESTAMPS
  CRUD read, list
}

// One side of a journal entry. Exactly one of debit and credit is non-zero on a well-formed line;
// both default to 0.00 so that sums over lines never meet a missing amount. date is the entry's
// date, copied when the line is posted, so that an account's lines are indexed in date order (its
// ledger) and the books can be summed by date without reading every entry.
ENTITY JournalLine {
  tenant_id:        string REQUIRED
  journal_entry_id: id REQUIRED REFERENCES JournalEntry
  position:         number REQUIRED
  date:             date REQUIRED COMPUTED
  account_code:     string REQUIRED USES Account(code) INDEX BY date
  debit:            money = 0.00 REQUIRED
  credit:           money = 0.00 REQUIRED
  description:      string
  TIMESTAMPS
  CRUD read, list
}
`
