import { reset } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import { checkBooks } from '../../shared/domain/index.ts'
import { ConflictError, DomainRuleError, NotFoundError } from '../../shared/errors.ts'
import { R2ObjectStore } from '../../worker/r2-object-store.ts'
import { createInvoiceWithLines, recordPayment, updateInvoiceStatus } from '../../worker/tools/intents/index.ts'
import { HookedObjectStore } from '../support/hooked-store.ts'
import { allRecords, call, entryOf, inputIssues, intentContext, keysUnder, pendingEntries, seedCustomer, storedText } from './intent-support.ts'

afterEach(async () => {
  await reset()
})

/** An invoice of `total`, sent unless told otherwise. */
async function invoiceOf(total: number | string, steps: string[] = ['sent']) {
  const context = intentContext({ objects: new HookedObjectStore(new R2ObjectStore(env.BUCKET)) })
  const customerId = await seedCustomer(context.store)
  const { invoice } = await call(createInvoiceWithLines, { customer_id: customerId, lines: [{ description: 'Services', unit_price: total }] }, context.ctx)
  for (const status of steps) await call(updateInvoiceStatus, { invoice_id: invoice.id, status }, context.ctx)
  return { ...context, invoiceId: invoice.id as string }
}

describe('record_payment', () => {
  it('records a payment and the invoice’s amount_paid in one entry', async () => {
    const { objects, ctx, invoiceId } = await invoiceOf(100)
    const out = await call(recordPayment, { invoice_id: invoiceId, amount: '25.00', date: '2026-06-26', method: 'bank transfer', reference: 'TX-81' }, ctx)
    expect(out.payment).toMatchObject({ invoice_id: invoiceId, amount: 25, date: '2026-06-26', method: 'bank transfer', reference: 'TX-81' })
    expect(out.invoice).toMatchObject({ id: invoiceId, amount_paid: 25, status: 'sent', total: 100 })
    const entry = await entryOf(objects, out.commit.oid)
    expect(entry.message).toBe(`record Payment 25.00 on Invoice ${invoiceId.slice(0, 8)}`)
    expect(entry.paths).toEqual([`data/acme/Invoice/${invoiceId}.agi`, `data/acme/Payment/${out.payment.id}.agi`])
    expect(await storedText(objects, 'Invoice', invoiceId)).toContain('  amount_paid : 25.00\n')
    const paymentText = await storedText(objects, 'Payment', out.payment.id)
    expect(paymentText).toMatch(/^RECORD Payment [0-9a-f-]+ \{\n  tenant_id  : "acme"\n  invoice_id : "[0-9a-f-]+"\n  amount     : 25.00\n  date       : "2026-06-26"\n  method     : "bank transfer"\n  reference  : "TX-81"\n/)
  })

  it('marks the invoice paid with the payment that settles it, and dates payments today by default', async () => {
    const { objects, ctx, invoiceId } = await invoiceOf('0.30')
    await call(recordPayment, { invoice_id: invoiceId, amount: 0.1 }, ctx)
    const out = await call(recordPayment, { invoice_id: invoiceId, amount: 0.2 }, ctx)
    expect(out.invoice).toMatchObject({ amount_paid: 0.3, status: 'paid' })
    expect(out.payment.date).toBe(new Date().toISOString().slice(0, 10))
    expect(checkBooks(await allRecords(objects))).toEqual([])
    await expect(call(recordPayment, { invoice_id: invoiceId, amount: 0.01 }, ctx)).rejects.toMatchObject({ code: 'invoice_not_payable', details: { status: 'paid' } })
  })

  it('refuses more than the balance as overpayment, writing nothing', async () => {
    const { objects, ctx, invoiceId } = await invoiceOf(100)
    await call(recordPayment, { invoice_id: invoiceId, amount: 60 }, ctx)
    const before = await keysUnder(objects, '')
    const error = await call(recordPayment, { invoice_id: invoiceId, amount: '40.01' }, ctx).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DomainRuleError)
    expect(error).toMatchObject({ code: 'overpayment', details: { amount: 40.01, balance: 40, total: 100, amount_paid: 60 } })
    expect(await keysUnder(objects, '')).toEqual(before)
  })

  it.each([[[]], [['void']], [['sent', 'void']]])('refuses a payment on an invoice after %j as invoice_not_payable', async (steps) => {
    const { objects, ctx, invoiceId } = await invoiceOf(100, steps)
    const before = await keysUnder(objects, '')
    await expect(call(recordPayment, { invoice_id: invoiceId, amount: 1 }, ctx)).rejects.toMatchObject({ code: 'invoice_not_payable' })
    expect(await keysUnder(objects, '')).toEqual(before)
  })

  it('answers not found for a missing invoice', async () => {
    const { objects, ctx } = intentContext()
    await expect(call(recordPayment, { invoice_id: '0193f6c1-0000-7000-8000-000000000001', amount: 1 }, ctx)).rejects.toBeInstanceOf(NotFoundError)
    expect(await keysUnder(objects, '')).toEqual([])
  })

  it.each([
    ['a zero amount', { amount: 0 }, ['amount']],
    ['a negative amount', { amount: '-5.00' }, ['amount']],
    ['three decimals', { amount: 1.001 }, ['amount']],
    ['a bad date', { amount: 1, date: '26/06/2026' }, ['date']],
    ['an unknown field', { amount: 1, invoice_total: 5 }, []],
  ])('refuses %s as invalid input', (_, args, path) => {
    expect(inputIssues(recordPayment, { invoice_id: '0193f6c1-0000-7000-8000-000000000001', ...args })?.map((issue) => issue.path)).toContainEqual(path)
  })

  it('never loses a payment: of parallel payments each lands or gets a conflict, and amount_paid is the sum of those that landed', async () => {
    const { objects, store, ctx, invoiceId } = await invoiceOf(1000)
    const amounts = [10, 20, 30, 40, 50, 60, 70, 80]
    const outcomes = await Promise.allSettled(amounts.map((amount) => call(recordPayment, { invoice_id: invoiceId, amount }, ctx)))
    const landed = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []))
    const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []))
    for (const reason of refused) expect(reason).toBeInstanceOf(ConflictError)
    expect(landed.length).toBeGreaterThan(0)

    const paidByAnswers = landed.reduce((sum, out) => sum + Math.round(out.payment.amount * 100), 0)
    const invoice = await store.read('Invoice', invoiceId)
    expect(invoice?.record.fields.amount_paid).toBe(BigInt(paidByAnswers))
    const payments = (await store.list('Payment', { where: { invoice_id: invoiceId } })).records
    expect(payments.map((stored) => stored.record.id).sort()).toEqual(landed.map((out) => out.payment.id).sort())
    expect(payments.reduce((sum, stored) => sum + (stored.record.fields.amount as bigint), 0n)).toBe(BigInt(paidByAnswers))
    const entries = (await pendingEntries(objects)).filter((entry) => entry.message.startsWith('record Payment'))
    expect(entries.map((entry) => entry.oid).sort()).toEqual(landed.map((out) => out.commit.oid).sort())
    expect(await keysUnder(objects, 'intents/')).toEqual([])
    expect(checkBooks(await allRecords(objects))).toEqual([])
  })

  it('parallel payments that together exceed the balance never overpay', async () => {
    const { store, ctx, invoiceId } = await invoiceOf(100)
    const outcomes = await Promise.allSettled([60, 60, 60].map((amount) => call(recordPayment, { invoice_id: invoiceId, amount }, ctx)))
    const landed = outcomes.filter((outcome) => outcome.status === 'fulfilled')
    expect(landed).toHaveLength(1)
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect((outcome.reason as { code: string }).code).toMatch(/^(conflict|overpayment)$/)
    }
    expect((await store.read('Invoice', invoiceId))?.record.fields.amount_paid).toBe(6000n)
  })

  describe('when another payment lands between reading the invoice and writing it', () => {
    /**
     * Before each of the next `times` transactions that write the invoice starts writing (its intent), a rival payment
     * of `rival` lands first: the invoice and its index entries are then all put on a stale version.
     */
    function rivalPaysFirst(context: Awaited<ReturnType<typeof invoiceOf>>, rival: number, times: number) {
      context.objects.beforePut(
        (putKey) => putKey.startsWith('intents/acme/'),
        async () => {
          await call(recordPayment, { invoice_id: context.invoiceId, amount: rival }, context.ctx)
        },
        times,
      )
    }

    it('re-applies the payment on the fresh balance once', async () => {
      const context = await invoiceOf(100)
      rivalPaysFirst(context, 30, 1)
      const out = await call(recordPayment, { invoice_id: context.invoiceId, amount: 50 }, context.ctx)
      expect(out.invoice).toMatchObject({ amount_paid: 80, status: 'sent' })
      expect((await context.store.read('Invoice', context.invoiceId))?.record.fields.amount_paid).toBe(8000n)
      expect(checkBooks(await allRecords(context.objects))).toEqual([])
    })

    it('re-checks the balance on the fresh state: the retry can become an overpayment', async () => {
      const context = await invoiceOf(100)
      rivalPaysFirst(context, 60, 1)
      await expect(call(recordPayment, { invoice_id: context.invoiceId, amount: 50 }, context.ctx)).rejects.toMatchObject({ code: 'overpayment', details: { balance: 40 } })
      expect((await context.store.read('Invoice', context.invoiceId))?.record.fields.amount_paid).toBe(6000n)
      expect(checkBooks(await allRecords(context.objects))).toEqual([])
    })

    it('losing twice is a conflict that leaves no trace of the payment', async () => {
      const context = await invoiceOf(100)
      rivalPaysFirst(context, 10, 2)
      const error = await call(recordPayment, { invoice_id: context.invoiceId, amount: 50 }, context.ctx).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ConflictError)
      expect((error as Error).message).toBe(`Invoice ${context.invoiceId.slice(0, 8)} was modified concurrently — retry your edit.`)
      expect((await context.store.read('Invoice', context.invoiceId))?.record.fields.amount_paid).toBe(2000n)
      const payments = (await context.store.list('Payment')).records.map((stored) => stored.record.fields.amount)
      expect(payments).toEqual([1000n, 1000n])
      expect((await pendingEntries(context.objects)).filter((entry) => entry.message.startsWith('record Payment 50.00'))).toEqual([])
      expect(await keysUnder(context.objects, 'intents/')).toEqual([])
      expect(checkBooks(await allRecords(context.objects))).toEqual([])
    })
  })
})
