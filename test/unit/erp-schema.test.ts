import { describe, expect, it } from 'vitest'
import { coerceInput, indexedFields, parseSchema, type EntitySpec, type FieldSpec } from '../../shared/agi/index.ts'
import { ERP_SCHEMA, ERP_SCHEMA_SOURCE } from '../../shared/schema/index.ts'

function entity(name: string): EntitySpec {
  const spec = ERP_SCHEMA.entities.get(name)
  if (spec === undefined) throw new Error(`no entity ${name}`)
  return spec
}

function field(entityName: string, name: string): FieldSpec | undefined {
  return entity(entityName).fields.find((f) => f.name === name)
}

describe('ERP schema', () => {
  it('parses and declares the ERP entities', () => {
    expect(parseSchema(ERP_SCHEMA_SOURCE, 'erp.agi').entities.size).toBe(ERP_SCHEMA.entities.size)
    expect([...ERP_SCHEMA.entities.keys()]).toEqual([
      'Customer', 'Vendor', 'Account', 'Invoice', 'InvoiceLineItem', 'Payment', 'JournalEntry', 'JournalLine',
    ])
  })

  it('gives every entity a required tenant_id and timestamps', () => {
    for (const spec of ERP_SCHEMA.entities.values()) {
      expect(spec.fields[0]).toEqual({ name: 'tenant_id', type: 'string', required: true })
      expect(spec.timestamps).toBe(true)
      expect(spec.fields.slice(-2).map((f) => f.name)).toEqual(['created_at', 'updated_at'])
    }
  })

  it('allows exactly the CRUD operations accounting permits', () => {
    const crud = Object.fromEntries([...ERP_SCHEMA.entities].map(([name, spec]) => [name, [...spec.crud].sort()]))
    expect(crud).toEqual({
      Customer: ['create', 'delete', 'edit', 'list', 'read'],
      Vendor: ['create', 'delete', 'edit', 'list', 'read'],
      Account: ['create', 'edit', 'list', 'read'],
      Invoice: ['edit', 'list', 'read'],
      InvoiceLineItem: ['list', 'read'],
      Payment: ['list', 'read'],
      JournalEntry: ['list', 'read'],
      JournalLine: ['list', 'read'],
    })
  })

  it('declares the documented fields, types, defaults, IN lists and references', () => {
    expect(entity('Customer').fields.map((f) => f.name)).toEqual(['tenant_id', 'name', 'email', 'phone', 'address', 'tax_id', 'notes', 'created_at', 'updated_at'])
    expect(entity('Vendor').fields).toEqual(entity('Customer').fields)
    expect(field('Account', 'type')?.oneOf).toEqual(['asset', 'liability', 'equity', 'income', 'expense'])
    expect(field('Account', 'active')).toEqual({ name: 'active', type: 'bool', required: true, default: true })
    expect(field('Invoice', 'customer_id')).toEqual({ name: 'customer_id', type: 'id', required: true, references: 'Customer' })
    expect(field('Invoice', 'status')).toEqual({ name: 'status', type: 'string', required: true, default: 'draft', oneOf: ['draft', 'sent', 'paid', 'void'], computed: true, index: true })
    expect(field('Invoice', 'total')).toEqual({ name: 'total', type: 'money', required: true, computed: true })
    expect(field('Invoice', 'amount_paid')?.computed).toBe(true)
    expect(field('Invoice', 'notes')?.computed).toBeUndefined()
    expect(field('Invoice', 'amount_paid')?.default).toBe(0n)
    expect(field('Invoice', 'currency')?.default).toBe('USD')
    expect(field('InvoiceLineItem', 'qty')).toEqual({ name: 'qty', type: 'float', required: true })
    expect(field('InvoiceLineItem', 'line_total')?.type).toBe('money')
    expect(field('Payment', 'invoice_id')?.references).toBe('Invoice')
    expect(field('Payment', 'date')).toEqual({ name: 'date', type: 'date', required: true })
    expect(field('JournalEntry', 'reverses')).toEqual({ name: 'reverses', type: 'id', required: false, references: 'JournalEntry' })
    expect(field('JournalEntry', 'reversed_by')?.references).toBe('JournalEntry')
    expect(field('JournalLine', 'journal_entry_id')?.references).toBe('JournalEntry')
    expect([field('JournalLine', 'debit')?.default, field('JournalLine', 'credit')?.default]).toEqual([0n, 0n])
  })

  it('indexes what agents filter on, and every reference', () => {
    const indexed = Object.fromEntries([...ERP_SCHEMA.entities.values()].map((spec) => [spec.name, indexedFields(spec).map((f) => f.name)]))
    expect(indexed).toEqual({
      Customer: ['email'],
      Vendor: ['email'],
      Account: ['code'],
      Invoice: ['customer_id', 'status'],
      InvoiceLineItem: ['invoice_id'],
      Payment: ['invoice_id', 'reverses'],
      JournalEntry: ['date', 'reverses', 'reversed_by'],
      JournalLine: ['journal_entry_id', 'account_code'],
    })
  })

  it('keeps an invoice\'s computed fields out of generic input', () => {
    const id = '0193f6c1-4b2a-7d10-8c3e-5a6b7c8d9e0f'
    const created = coerceInput(entity('Invoice'), { tenant_id: 'acme', customer_id: id, total: 1850 }, 'create')
    expect(created.ok).toBe(false)
    if (!created.ok) expect(created.issues.map((issue) => issue.path)).toEqual([['total']])
    expect(coerceInput(entity('Invoice'), { tenant_id: 'acme', customer_id: id }, 'create')).toEqual({
      ok: true,
      unset: [],
      fields: { tenant_id: 'acme', customer_id: id, status: 'draft', currency: 'USD', amount_paid: 0n },
    })
    expect(coerceInput(entity('Invoice'), { notes: 'net 30', due_date: '2026-07-25' }, 'patch').ok).toBe(true)
    expect(coerceInput(entity('Invoice'), { status: 'paid' }, 'patch').ok).toBe(false)
  })
})
