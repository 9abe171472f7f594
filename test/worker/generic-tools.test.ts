import { reset } from 'cloudflare:test'
import { afterEach, describe, expect, it } from 'vitest'
import { parseRecord } from '../../shared/agi/index.ts'
import { gitBlobSha } from '../../shared/blob-sha.ts'
import { indexedFields } from '../../shared/agi/index.ts'
import { writeIndexMarker } from '../../shared/git-store/index.ts'
import { ERP_SCHEMA } from '../../shared/schema/index.ts'
import { bucket, callTool, keysUnder, ok, pendingEntries, settle, textAt, tokenFor } from './support/api.ts'
import { seed, seedBooks } from './support/seed.ts'

afterEach(async () => {
  await settle()
  await reset()
})

const recordPath = (entity: string, id: string) => `data/acme/${entity}/${id}.agi`

async function errorOf(response: Response) {
  const body = (await response.json()) as { error: { code: string; message: string; details?: any } }
  return { status: response.status, ...body.error }
}

/** Nothing at all was written: no record, no entry, no intent left behind. */
async function expectNoTrace() {
  await settle()
  expect(await keysUnder('data/')).toEqual([])
  expect(await keysUnder('commits/')).toEqual([])
  expect(await keysUnder('intents/')).toEqual([])
}

describe('create_customer', () => {
  it('writes the canonical record and one pending entry authored by the token', async () => {
    const body = await ok('create_customer', { name: 'Ada Lovelace', email: 'ada@example.com' })
    const customer = body.customer
    expect(customer).toMatchObject({ tenant_id: 'acme', name: 'Ada Lovelace', email: 'ada@example.com' })
    expect(Object.keys(customer)).toEqual(['id', 'tenant_id', 'name', 'email', 'created_at', 'updated_at', 'version'])
    expect(body.commit).toEqual({ oid: expect.any(String), status: 'pending' })

    const text = await textAt(recordPath('Customer', customer.id))
    expect(text).toBe(
      [
        `RECORD Customer ${customer.id} {`,
        '  tenant_id  : "acme"',
        '  name       : "Ada Lovelace"',
        '  email      : "ada@example.com"',
        `  created_at : "${customer.created_at}"`,
        `  updated_at : "${customer.updated_at}"`,
        '}',
        '',
      ].join('\n'),
    )
    const entries = await pendingEntries()
    expect(entries).toHaveLength(1)
    const entry = entries[0]!
    expect(entry).toMatchObject({
      oid: body.commit.oid,
      tenant: 'acme',
      message: `create Customer ${customer.id}`,
      author: { name: 'Invoice Bot', email: 'bot@acme.example' },
      actor: 'agent-7',
      paths: [recordPath('Customer', customer.id)],
    })
    expect(entry.files).toEqual([{ path: recordPath('Customer', customer.id), op: 'put', sha: await gitBlobSha(text!), content: text }])
  })

  it('accepts an explicit tenant_id equal to the token tenant', async () => {
    const body = await ok('create_customer', { name: 'Ada', tenant_id: 'acme' })
    expect(body.customer.tenant_id).toBe('acme')
  })

  it.each([
    ['a missing required field', { email: 'x@example.com' }, ['name']],
    ['an unknown field', { name: 'Ada', shoe_size: 44 }, []],
    ['a wrong type', { name: 42 }, ['name']],
    ['a store-managed timestamp', { name: 'Ada', created_at: '2026-01-01T00:00:00Z' }, []],
    ['an array instead of an object', [1, 2], []],
  ])('refuses %s with 400 and writes nothing', async (_what, args, path) => {
    const error = await errorOf(await callTool('create_customer', args))
    expect(error.status).toBe(400)
    expect(error.code).toBe('invalid_input')
    expect(error.details.issues.length).toBeGreaterThan(0)
    if (path.length > 0) expect(error.details.issues[0].path).toEqual(path)
    await expectNoTrace()
  })

  it('needs a write-scope token', async () => {
    const error = await errorOf(await callTool('create_customer', { name: 'Ada' }, { token: await tokenFor({ scope: 'read' }) }))
    expect(error).toMatchObject({ status: 403, code: 'forbidden' })
    await expectNoTrace()
  })
})

describe('create_account', () => {
  it('applies defaults and checks IN lists', async () => {
    const body = await ok('create_account', { code: '1000', name: 'Cash', type: 'asset' })
    expect(body.account).toMatchObject({ code: '1000', name: 'Cash', type: 'asset', active: true })
    const text = await textAt(recordPath('Account', body.account.id))
    expect(text).toContain('  active     : true\n')
    const error = await errorOf(await callTool('create_account', { code: '1001', name: 'Petty', type: 'cash' }))
    expect(error).toMatchObject({ status: 400, code: 'invalid_input' })
    expect(error.details.issues[0].path).toEqual(['type'])
  })
})

describe('create_vendor', () => {
  it('creates a vendor', async () => {
    const body = await ok('create_vendor', { name: 'Paper Supplies Ltd', tax_id: 'DE123' })
    expect(parseRecord((await textAt(recordPath('Vendor', body.vendor.id)))!, ERP_SCHEMA).record.fields).toMatchObject({ name: 'Paper Supplies Ltd', tax_id: 'DE123' })
  })
})

describe('read_<name>', () => {
  it('reads every entity, money as JSON numbers, with its version', async () => {
    const books = await seedBooks()
    expect((await ok('read_customer', { id: books.customer.id })).customer).toMatchObject({ id: books.customer.id, name: 'Globe Corp', version: books.customer.version })
    expect((await ok('read_invoice', { id: books.invoice.id })).invoice).toMatchObject({ total: 1750, amount_paid: 0, status: 'sent' })
    expect((await ok('read_invoice_line_item', { id: books.line.id })).invoice_line_item).toMatchObject({ qty: 10, unit_price: 175, line_total: 1750 })
    expect((await ok('read_payment', { id: books.payment.id })).payment).toMatchObject({ amount: 500, method: 'wire' })
    expect((await ok('read_journal_entry', { id: books.entry.id })).journal_entry).toMatchObject({ memo: 'Cash received' })
    expect((await ok('read_journal_line', { id: books.debit.id })).journal_line).toMatchObject({ debit: 500, credit: 0 })
  })

  it('answers 404 for a missing record and 400 for a malformed id', async () => {
    expect(await errorOf(await callTool('read_customer', { id: '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001' }))).toMatchObject({ status: 404, code: 'not_found' })
    expect(await errorOf(await callTool('read_customer', { id: '../globex' }))).toMatchObject({ status: 400, code: 'invalid_input' })
    expect(await errorOf(await callTool('read_vendor', {}))).toMatchObject({ status: 400, code: 'invalid_input' })
  })

  it('is allowed to a read-scope token', async () => {
    const { id } = await seed('Customer', { name: 'Ada' })
    expect((await ok('read_customer', { id }, { token: await tokenFor({ scope: 'read' }) })).customer.name).toBe('Ada')
  })
})

describe('list_<plural>', () => {
  it('pages through records in creation order with an opaque cursor', async () => {
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await ok('create_customer', { name: `Customer ${i}` })).customer.id)
    const first = await ok('list_customers', { limit: 2 })
    expect(first.customers.map((c: any) => c.id)).toEqual(ids.slice(0, 2))
    expect(first.next_cursor).toEqual(expect.any(String))
    const second = await ok('list_customers', { limit: 2, cursor: first.next_cursor })
    expect(second.customers.map((c: any) => c.id)).toEqual(ids.slice(2, 4))
    const third = await ok('list_customers', { limit: 2, cursor: second.next_cursor })
    expect(third.customers.map((c: any) => c.id)).toEqual(ids.slice(4))
    expect(third.next_cursor).toBeNull()
  })

  it('filters by field equality on indexed fields, computed ones included', async () => {
    const books = await seedBooks()
    await seed('Invoice', { customer_id: books.customer.id, status: 'draft', total: 1000n, amount_paid: 0n })
    const sent = await ok('list_invoices', { where: { status: 'sent' } })
    expect(sent.invoices.map((i: any) => i.id)).toEqual([books.invoice.id])
    const both = await ok('list_invoices', { where: { customer_id: books.customer.id, status: 'sent', tenant_id: 'acme' } })
    expect(both.invoices.map((i: any) => i.id)).toEqual([books.invoice.id])
    const lines = await ok('list_journal_lines', { where: { journal_entry_id: books.entry.id } })
    expect(lines.journal_lines.map((l: any) => l.position)).toEqual([1, 2])
    expect((await ok('list_payments', {})).payments).toHaveLength(1)
    expect((await ok('list_invoice_line_items', { where: { invoice_id: books.invoice.id } })).invoice_line_items).toHaveLength(1)
    expect((await ok('list_journal_entries', {})).journal_entries).toHaveLength(1)
    expect((await ok('list_vendors', {})).vendors).toEqual([])
    expect((await ok('list_accounts', {})).accounts.map((a: any) => a.code)).toEqual(['1000', '1200'])
  })

  it('reads a complete index: date ranges inclusive at both ends, listed by date, paged with its cursor', async () => {
    for (const spec of ERP_SCHEMA.entities.values()) for (const field of indexedFields(spec)) await writeIndexMarker(bucket(), ERP_SCHEMA, spec.name, field.name, new Date())
    const ids = new Map<string, string>()
    for (const date of ['2026-03-05', '2026-02-28', '2026-03-01', '2026-03-31', '2026-04-01']) ids.set(date, (await seed('JournalEntry', { date, memo: `on ${date}` })).id)
    const dates = (page: any) => page.journal_entries.map((entry: any) => entry.date)
    const march = { date: { from: '2026-03-01', to: '2026-03-31' } }
    expect(dates(await ok('list_journal_entries', { where: march }))).toEqual(['2026-03-01', '2026-03-05', '2026-03-31'])
    const first = await ok('list_journal_entries', { where: march, limit: 2 })
    expect(dates(first)).toEqual(['2026-03-01', '2026-03-05'])
    expect(first.next_cursor).toMatch(/^index\/acme\/JournalEntry\/date\//)
    const rest = await ok('list_journal_entries', { where: march, limit: 2, cursor: first.next_cursor })
    expect(dates(rest)).toEqual(['2026-03-31'])
    expect(rest.next_cursor).toBeNull()
    expect(dates(await ok('list_journal_entries', { where: { date: '2026-04-01' } }))).toEqual(['2026-04-01'])
    expect(dates(await ok('list_journal_entries', { where: { date: { to: '2026-02-28' } } }))).toEqual(['2026-02-28'])
    // Another list's cursor, or one of another tenant, is refused.
    expect(await errorOf(await callTool('list_journal_entries', { where: { date: '2026-04-01' }, cursor: first.next_cursor }))).toMatchObject({ status: 400 })
    expect(await errorOf(await callTool('list_journal_entries', { where: march, cursor: first.next_cursor.replace('acme', 'globex') }))).toMatchObject({ status: 400 })
    const customer = await seed('Customer', { name: 'Ada', email: 'ada@example.com' })
    expect((await ok('list_customers', { where: { email: 'ada@example.com' } })).customers.map((c: any) => c.id)).toEqual([customer.id])
    expect((await callTool('delete_customer', { id: customer.id })).status).toBe(200)
  })

  it('refuses a bad limit, an unknown filter field and a foreign cursor', async () => {
    expect(await errorOf(await callTool('list_customers', { limit: 0 }))).toMatchObject({ status: 400, code: 'invalid_input' })
    expect(await errorOf(await callTool('list_customers', { limit: 201 }))).toMatchObject({ status: 400 })
    expect(await errorOf(await callTool('list_customers', { where: { shoe_size: 44 } }))).toMatchObject({ status: 400 })
    // A field that is not indexed: refused, naming the ones that are.
    const unindexed = await errorOf(await callTool('list_invoices', { where: { total: '1750.00' } }))
    expect(unindexed).toMatchObject({ status: 400, code: 'invalid_input' })
    expect(unindexed.message).toContain('total cannot be filtered on: Invoice lists filter on its indexed fields only (customer_id, status)')
    expect(await errorOf(await callTool('list_journal_entries', { where: { date: { from: '2026-02-01', to: '2026-01-01' } } }))).toMatchObject({ status: 400 })
    expect(await errorOf(await callTool('list_journal_entries', { where: { date: { from: '2026-02-30' } } }))).toMatchObject({ status: 400 })
    const foreign = 'data/acme/Vendor/0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001.agi'
    expect(await errorOf(await callTool('list_customers', { cursor: foreign }))).toMatchObject({ status: 400 })
  })
})

describe('edit_customer', () => {
  it('changes only the patched fields and commits a readable message', async () => {
    const created = (await ok('create_customer', { name: 'Ada', email: 'ada@example.com', phone: '555' })).customer
    const body = await ok('edit_customer', { id: created.id, patch: { email: 'ada@lovelace.example' }, unset: ['phone'] })
    expect(body.customer).toMatchObject({ name: 'Ada', email: 'ada@lovelace.example' })
    expect(body.customer.phone).toBeUndefined()
    expect(body.customer.version).not.toBe(created.version)
    const text = (await textAt(recordPath('Customer', created.id)))!
    expect(text).toContain('email      : "ada@lovelace.example"')
    expect(text).not.toContain('phone')
    expect(text).toContain(`created_at : "${created.created_at}"`)
    const entries = await pendingEntries()
    const edit = entries.find((entry) => entry.oid === body.commit.oid)!
    expect(edit.message).toBe(`edit Customer ${created.id.slice(0, 8)}: email → ada@lovelace.example, phone unset`)
    expect(edit.files).toEqual([{ path: recordPath('Customer', created.id), op: 'put', sha: await gitBlobSha(text), content: text }])
  })

  it('answers commit: null and writes no entry when the patch changes nothing', async () => {
    const created = (await ok('create_customer', { name: 'Ada' })).customer
    const body = await ok('edit_customer', { id: created.id, patch: { name: 'Ada' } })
    expect(body.commit).toBeNull()
    expect(await pendingEntries()).toHaveLength(1)
  })

  it('refuses a stale expected_version with 409 and leaves the record alone', async () => {
    const created = (await ok('create_customer', { name: 'Ada' })).customer
    const fresh = (await ok('edit_customer', { id: created.id, patch: { name: 'Ada L.' }, expected_version: created.version })).customer
    const before = await textAt(recordPath('Customer', created.id))
    const error = await errorOf(await callTool('edit_customer', { id: created.id, patch: { name: 'Stale' }, expected_version: created.version }))
    expect(error).toMatchObject({ status: 409, code: 'conflict' })
    expect(await textAt(recordPath('Customer', created.id))).toBe(before)
    expect(fresh.name).toBe('Ada L.')
    expect(await pendingEntries()).toHaveLength(2)
  })

  it('reads null in patch as a field left out, as for every optional argument: unsetting is `unset`', async () => {
    const created = (await ok('create_customer', { name: 'Ada', phone: '555' })).customer
    const body = await ok('edit_customer', { id: created.id, patch: { phone: null, notes: 'x' } })
    expect(body.customer).toMatchObject({ phone: '555', notes: 'x' })
  })

  it.each([
    ['unsetting a required field', { unset: ['name'] }, 'unset'],
    ['unsetting a field the patch also sets', { patch: { phone: '1' }, unset: ['phone'] }, 'unset'],
  ])('refuses %s with 400', async (_what, args, at) => {
    const created = (await ok('create_customer', { name: 'Ada', phone: '555' })).customer
    const error = await errorOf(await callTool('edit_customer', { id: created.id, patch: {}, ...args }))
    expect(error).toMatchObject({ status: 400, code: 'invalid_input' })
    expect(error.details.issues[0].path[0]).toBe(at)
    expect(await pendingEntries()).toHaveLength(1)
  })

  it.each([
    ['an unknown field', { shoe_size: 44 }],
    ['a timestamp', { updated_at: '2026-01-01T00:00:00Z' }],
  ])('refuses %s with 400', async (_what, patch) => {
    const created = (await ok('create_customer', { name: 'Ada' })).customer
    const error = await errorOf(await callTool('edit_customer', { id: created.id, patch }))
    expect(error).toMatchObject({ status: 400, code: 'invalid_input' })
    expect(error.details.issues[0].path[0]).toBe('patch')
    expect(await pendingEntries()).toHaveLength(1)
  })

  it('answers 404 for a record that does not exist', async () => {
    const error = await errorOf(await callTool('edit_customer', { id: '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001', patch: { name: 'X' } }))
    expect(error).toMatchObject({ status: 404, code: 'not_found' })
    await expectNoTrace()
  })
})

describe('edit_invoice and edit_account', () => {
  it('edit_invoice changes plain fields but refuses computed ones', async () => {
    const books = await seedBooks()
    const body = await ok('edit_invoice', { id: books.invoice.id, patch: { due_date: '2026-07-31', notes: 'Net 30' } })
    expect(body.invoice).toMatchObject({ due_date: '2026-07-31', notes: 'Net 30', total: 1750, status: 'sent' })
    for (const patch of [{ status: 'paid' }, { total: 1 }, { amount_paid: 1750 }]) {
      const error = await errorOf(await callTool('edit_invoice', { id: books.invoice.id, patch }))
      expect(error).toMatchObject({ status: 400, code: 'invalid_input' })
    }
    expect(await errorOf(await callTool('edit_invoice', { id: books.invoice.id, patch: { due_date: '2026-02-30' } }))).toMatchObject({ status: 400 })
  })

  it('edit_invoice refuses a customer that does not exist with 422 unknown_reference', async () => {
    const books = await seedBooks()
    // A draft: once an invoice is issued its customer is frozen (invoice-edits.test.ts).
    const draft = await seed('Invoice', { customer_id: books.customer.id, status: 'draft', total: 0n, amount_paid: 0n })
    const before = await textAt(recordPath('Invoice', draft.id))
    const error = await errorOf(await callTool('edit_invoice', { id: draft.id, patch: { customer_id: '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001' } }))
    expect(error).toMatchObject({ status: 422, code: 'unknown_reference' })
    expect(await textAt(recordPath('Invoice', draft.id))).toBe(before)
    const other = await seed('Customer', { name: 'Other' })
    expect((await ok('edit_invoice', { id: draft.id, patch: { customer_id: other.id } })).invoice.customer_id).toBe(other.id)
  })

  it('edit_account deactivates an account', async () => {
    const account = (await ok('create_account', { code: '4000', name: 'Sales', type: 'income' })).account
    expect((await ok('edit_account', { id: account.id, patch: { active: false } })).account.active).toBe(false)
    expect(await textAt(recordPath('Account', account.id))).toContain('active     : false')
  })
})

describe('delete_customer and delete_vendor', () => {
  it('deletes the record with an entry that records the deletion', async () => {
    const created = (await ok('create_customer', { name: 'Ada' })).customer
    const body = await ok('delete_customer', { id: created.id })
    expect(body).toEqual({ deleted: { entity: 'Customer', id: created.id }, commit: { oid: expect.any(String), status: 'pending' } })
    await settle()
    expect(await textAt(recordPath('Customer', created.id))).toBeNull()
    const entry = (await pendingEntries()).find((candidate) => candidate.oid === body.commit.oid)!
    expect(entry.message).toBe(`delete Customer ${created.id}`)
    expect(entry.files).toEqual([{ path: recordPath('Customer', created.id), op: 'delete' }])
    expect(await errorOf(await callTool('read_customer', { id: created.id }))).toMatchObject({ status: 404 })
    expect(await errorOf(await callTool('delete_customer', { id: created.id }))).toMatchObject({ status: 404 })
  })

  it('refuses a stale expected_version', async () => {
    const created = (await ok('create_vendor', { name: 'Paper' })).vendor
    await ok('edit_vendor', { id: created.id, patch: { notes: 'changed' } })
    expect(await errorOf(await callTool('delete_vendor', { id: created.id, expected_version: created.version }))).toMatchObject({ status: 409, code: 'conflict' })
    expect(await textAt(recordPath('Vendor', created.id))).not.toBeNull()
  })
})

describe('the CRUD clauses', () => {
  it.each(['delete_invoice', 'create_invoice', 'edit_payment', 'delete_journal_entry', 'create_journal_line', 'delete_account'])(
    '%s does not exist, and the 404 says why',
    async (name) => {
      const error = await errorOf(await callTool(name, {}))
      expect(error).toMatchObject({ status: 404, code: 'not_found' })
      expect(error.message).toMatch(/does not allow/)
    },
  )
})
