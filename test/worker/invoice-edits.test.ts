import { reset } from 'cloudflare:test'
import { afterEach, describe, expect, it } from 'vitest'
import type { ObjectStore } from '../../shared/object-store/object-store.ts'
import { findTool } from '../../worker/tools/catalogue.ts'
import { updateInvoiceStatus } from '../../worker/tools/intents/index.ts'
import { HookedObjectStore } from '../support/hooked-store.ts'
import { bucket, callTool, get, ok, settle } from './support/api.ts'
import { call, intentContext } from './intent-support.ts'

afterEach(async () => {
  await settle()
  await reset()
})

async function seedInvoice(status: 'draft' | 'sent' = 'sent') {
  const { customer } = await ok('create_customer', { name: 'Ada' })
  const { customer: other } = await ok('create_customer', { name: 'Grace' })
  const { invoice } = await ok('create_invoice_with_lines', {
    customer_id: customer.id,
    number: 'INV-1',
    issue_date: '2026-06-01',
    due_date: '2026-07-01',
    lines: [{ description: 'Widgets', qty: 2, unit_price: 50 }],
  })
  if (status === 'sent') await ok('update_invoice_status', { invoice_id: invoice.id, status: 'sent' })
  return { invoiceId: invoice.id as string, customerId: customer.id as string, otherId: other.id as string }
}

const recordText = async (id: string) => (await get(`/data/acme/Invoice/${id}.agi`)).text()

describe('edit_invoice once the invoice is issued', () => {
  it('refuses to change customer_id, currency, number or issue_date (422 invoice_issued) and writes nothing', async () => {
    const { invoiceId, otherId } = await seedInvoice()
    const before = await recordText(invoiceId)
    const edits: { patch: Record<string, unknown>; unset?: string[] }[] = [
      { patch: { customer_id: otherId } },
      { patch: { currency: 'EUR' } },
      { patch: { number: 'INV-2' } },
      { patch: { issue_date: '2026-06-02' } },
      { patch: {}, unset: ['number'] },
      { patch: { customer_id: otherId, notes: 'moved' } },
    ]
    for (const edit of edits) {
      const response = await callTool('edit_invoice', { id: invoiceId, ...edit })
      const body = (await response.json()) as any
      expect(response.status, JSON.stringify(edit)).toBe(422)
      const frozen = [...Object.keys(edit.patch), ...(edit.unset ?? [])].filter((name) => name !== 'notes')
      expect(body.error).toMatchObject({ code: 'invoice_issued', details: { status: 'sent', fields: frozen } })
      for (const name of frozen) expect(body.error.message).toContain(name)
      expect(body.error.message).toContain('sent')
    }
    await settle()
    expect(await recordText(invoiceId)).toBe(before)
  })

  it('still lets due_date and notes change, and accepts a frozen field set to its current value', async () => {
    const { invoiceId, customerId } = await seedInvoice()
    const edited = await ok('edit_invoice', { id: invoiceId, patch: { due_date: '2026-08-01', notes: 'Net 60', customer_id: customerId, number: 'INV-1' } })
    expect(edited.invoice).toMatchObject({ due_date: '2026-08-01', notes: 'Net 60', customer_id: customerId, number: 'INV-1', status: 'sent' })
    expect(edited.commit).not.toBeNull()
  })

  it('leaves a draft wholly editable', async () => {
    const { invoiceId, otherId } = await seedInvoice('draft')
    const edited = await ok('edit_invoice', { id: invoiceId, patch: { number: 'INV-2', customer_id: otherId, issue_date: '2026-06-02' } })
    expect(edited.invoice).toMatchObject({ number: 'INV-2', customer_id: otherId, issue_date: '2026-06-02', status: 'draft' })
  })

  it('says so in the tool description', () => {
    expect(findTool('edit_invoice').description).toMatch(/left draft, its customer_id, currency, number and issue_date are frozen .*invoice_issued/)
    expect(findTool('edit_customer').description).not.toMatch(/draft/)
  })
})

/** Gets that let a hook run right after a chosen key was read: a rival writer lands between two reads. */
class AfterGetStore extends HookedObjectStore {
  readonly #inner: ObjectStore
  #hook: { key: string; run: () => Promise<void> } | undefined

  constructor(inner: ObjectStore) {
    super(inner)
    this.#inner = inner
  }

  afterGet(key: string, run: () => Promise<void>): void {
    this.#hook = { key, run }
  }

  override async get(key: string) {
    const object = await this.#inner.get(key)
    const hook = this.#hook
    if (hook !== undefined && hook.key === key) {
      this.#hook = undefined
      await hook.run()
    }
    return object
  }
}

describe('edit_invoice racing update_invoice_status draft → sent', () => {
  const editInvoice = findTool('edit_invoice')

  // The edit reads the invoice once to compute its changes and again for the write it makes; the second read's
  // version is the one the conditional put expects, so the rule must judge that one. A rival landing after the
  // write's read makes the put fail, and the retry sees the sent invoice.
  it.each(['after the edit first reads the invoice', 'just before the edit writes it'])('the rule is judged on the state the edit replaces: sent %s', async (when) => {
    const { invoiceId, otherId, customerId } = await seedInvoice('draft')
    const key = `data/acme/Invoice/${invoiceId}.agi`
    const hooked = new AfterGetStore(bucket())
    const { ctx } = intentContext({ objects: hooked })
    const rival = intentContext()
    const send = async () => {
      await call(updateInvoiceStatus, { invoice_id: invoiceId, status: 'sent' }, rival.ctx)
    }
    if (when.startsWith('after')) hooked.afterGet(key, send)
    // Before the edit's first write (its intent): its record and index entries are then all put on a stale version.
    else hooked.beforePut((put) => put.startsWith('intents/acme/'), send)
    await expect(call(editInvoice, { id: invoiceId, patch: { customer_id: otherId } }, ctx)).rejects.toMatchObject({ code: 'invoice_issued' })
    await settle()
    expect(await recordText(invoiceId)).toContain(`customer_id : "${customerId}"`)
    expect(await recordText(invoiceId)).toContain('status      : "sent"')
  })
})
