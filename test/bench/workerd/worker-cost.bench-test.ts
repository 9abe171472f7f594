/**
 * Benchmarks 2 and 3, inside workerd (local R2): what a tool call costs in storage operations and sequential
 * round trips (a `CountingObjectStore` under `createApp`, with a real execution context so the clean-up runs
 * after the answer as in production), its latency through the production entry point at concurrency 1 and
 * 16, edits under 8-way contention, what reads cost over long histories, and reads at scale (reads-at-scale.ts). Not part of `npm test`: run by
 * `npm run bench` (test/bench/run.ts), which reads the `BENCH_RESULT` lines this file logs.
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { entrySummaryMetadata } from '../../../shared/entry-metadata.ts'
import { syncedCustomerEntry } from '../../support/synced-entry.ts'
import { readsAtScale } from './reads-at-scale.ts'
import { benchScale, countingApp, emit, getRequest, inParallel, median, percentile, production, seedSettled, summarizeCounts, toolRequest, type Counted } from './bench-support.ts'

interface BenchScale {
  /** Calls of each scenario whose operations are counted. */
  costRepeats: number
  /** Calls per tool at concurrency 1, and in all at concurrency 16. */
  latencyCalls: number
  concurrentCalls: number
  contentionRounds: number
  historySmall: number
  historyBig: number
  invoices: number
}

const DEFAULT_SCALE: BenchScale = { costRepeats: 5, latencyCalls: 100, concurrentCalls: 320, contentionRounds: 10, historySmall: 100, historyBig: 100_000, invoices: 1000 }
const scale: BenchScale = benchScale(DEFAULT_SCALE)

async function settledInvoices(tenant: string, customerId: string, count: number, status: 'draft' | 'sent'): Promise<string[]> {
  return inParallel(count, 16, () => seedSettled(tenant, 'Invoice', { customer_id: customerId, status, total: 10_000_000n, amount_paid: 0n, number: 'INV-BENCH' }))
}

const THREE_LINES = [
  { description: 'Consulting', qty: 10, unit_price: 150 },
  { description: 'Setup', unit_price: '350' },
  { description: 'Discount', qty: 1, unit_price: -100 },
]

describe('benchmark: the Worker', () => {
  it('storage operations and round trips per tool call', async () => {
    const tenant = 'cost'
    const call = countingApp()
    const run = async (name: string, args: () => Promise<unknown>): Promise<Counted[]> => {
      const calls: Counted[] = []
      for (let i = 0; i < scale.costRepeats; i++) {
        const counted = await call(await toolRequest(tenant, name, await args()))
        if (counted.status !== 200) throw new Error(`${name} answered ${counted.status}: ${JSON.stringify(counted.body)}`)
        calls.push(counted)
      }
      return calls
    }
    const viaTool = async (name: string, args: unknown) => {
      const answer = await production(await toolRequest(tenant, name, args))
      if (answer.status !== 200) throw new Error(`${name} answered ${answer.status}: ${JSON.stringify(answer.body)}`)
      return answer.body
    }
    const settledCustomer = await seedSettled(tenant, 'Customer', { name: 'Settled Customer' })
    const settledDrafts = await settledInvoices(tenant, settledCustomer, scale.costRepeats, 'draft')
    const settledSent = await settledInvoices(tenant, settledCustomer, scale.costRepeats, 'sent')
    let n = 0
    const scenarios: Record<string, Counted[]> = {}
    scenarios['create_customer'] = await run('create_customer', async () => ({ name: `Customer ${n++}` }))
    scenarios['create_invoice_with_lines (3 lines), settled customer'] = await run('create_invoice_with_lines', async () => ({ customer_id: settledCustomer, lines: THREE_LINES }))
    scenarios['create_invoice_with_lines (3 lines), customer created just before'] = await run('create_invoice_with_lines', async () => ({
      customer_id: (await viaTool('create_customer', { name: `Fresh ${n++}` })).customer.id,
      lines: THREE_LINES,
    }))
    let d = 0
    scenarios['edit_invoice, settled invoice'] = await run('edit_invoice', async () => ({ id: settledDrafts[d++], patch: { notes: 'Net 30' } }))
    scenarios['edit_invoice, invoice created just before'] = await run('edit_invoice', async () => ({
      id: (await viaTool('create_invoice_with_lines', { customer_id: settledCustomer, lines: THREE_LINES })).invoice.id,
      patch: { notes: 'Net 30' },
    }))
    let s = 0
    scenarios['record_payment, settled invoice'] = await run('record_payment', async () => ({ invoice_id: settledSent[s++], amount: 100 }))
    scenarios['record_payment, invoice sent just before'] = await run('record_payment', async () => {
      const { invoice } = await viaTool('create_invoice_with_lines', { customer_id: settledCustomer, lines: THREE_LINES })
      await viaTool('update_invoice_status', { invoice_id: invoice.id, status: 'sent' })
      return { invoice_id: invoice.id, amount: 100 }
    })
    // A delete claims its record, then looks for open transactions and referrers before its commit point.
    const unreferenced = await Promise.all(Array.from({ length: scale.costRepeats }, (_, i) => seedSettled(tenant, 'Customer', { name: `Leaving ${i}` })))
    let u = 0
    scenarios['delete_customer, settled, no invoices'] = await run('delete_customer', async () => ({ id: unreferenced[u++] }))
    const summary = Object.fromEntries(Object.entries(scenarios).map(([name, calls]) => [name, summarizeCounts(calls)]))
    emit('cost', { scenarios: summary })
    expect(Object.keys(summary)).toHaveLength(8)
  })

  it('latency and throughput at concurrency 1 and 16', async () => {
    const tenant = 'latency'
    const customer = await seedSettled(tenant, 'Customer', { name: 'Latency Customer' })
    const perTool = scale.latencyCalls + scale.concurrentCalls
    const drafts = await settledInvoices(tenant, customer, perTool, 'draft')
    const sent = await settledInvoices(tenant, customer, perTool, 'sent')
    const tools: Record<string, (index: number) => { name: string; args: unknown }> = {
      create_customer: (i) => ({ name: 'create_customer', args: { name: `Customer ${i}` } }),
      'create_invoice_with_lines (3 lines)': () => ({ name: 'create_invoice_with_lines', args: { customer_id: customer, lines: THREE_LINES } }),
      edit_invoice: (i) => ({ name: 'edit_invoice', args: { id: drafts[i], patch: { notes: `Call ${i}` } } }),
      record_payment: (i) => ({ name: 'record_payment', args: { invoice_id: sent[i], amount: 100 } }),
    }
    const results: Record<string, unknown> = {}
    for (const [label, make] of Object.entries(tools)) {
      const runs: Record<string, unknown> = {}
      let offset = 0
      for (const [concurrency, calls] of [[1, scale.latencyCalls], [16, scale.concurrentCalls]] as const) {
        const base = offset
        offset += calls
        const latencies: number[] = []
        const statuses = new Map<number, number>()
        const started = performance.now()
        await inParallel(calls, concurrency, async (i) => {
          const { name, args } = make(base + i)
          const request = await toolRequest(tenant, name, args)
          const t0 = performance.now()
          const answer = await production(request)
          latencies.push(performance.now() - t0)
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1)
        })
        const wallMs = performance.now() - started
        runs[`c${concurrency}`] = {
          concurrency,
          calls,
          statuses: Object.fromEntries(statuses),
          p50Ms: percentile(latencies, 50),
          p95Ms: percentile(latencies, 95),
          callsPerSecond: calls / (wallMs / 1000),
        }
      }
      results[label] = runs
    }
    emit('latency', { tools: results })
  })

  it('the same edit from 8 callers at once', async () => {
    const tenant = 'contention'
    const customer = await seedSettled(tenant, 'Customer', { name: 'Contended Customer' })
    const invoices = await settledInvoices(tenant, customer, scale.contentionRounds, 'draft')
    const totals = new Map<number, number>()
    const perRound: number[] = []
    const latencies: number[] = []
    for (const invoice of invoices) {
      const answers = await Promise.all(
        Array.from({ length: 8 }, async (_, writer) => {
          const request = await toolRequest(tenant, 'edit_invoice', { id: invoice, patch: { notes: `writer ${writer}` } })
          const t0 = performance.now()
          const answer = await production(request)
          latencies.push(performance.now() - t0)
          return answer
        }),
      )
      let ok = 0
      for (const answer of answers) {
        totals.set(answer.status, (totals.get(answer.status) ?? 0) + 1)
        if (answer.status === 200) ok += 1
      }
      perRound.push(ok)
    }
    emit('contention', {
      rounds: invoices.length,
      writers: 8,
      statuses: Object.fromEntries(totals),
      successesPerRound: { min: Math.min(...perRound), median: median(perRound), max: Math.max(...perRound) },
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
    })
  })

  it('the first activity page over a short and a long history', async () => {
    const call = countingApp()
    const histories: Record<string, unknown> = {}
    for (const [tenant, size] of [['history-short', scale.historySmall], ['history-long', scale.historyBig]] as const) {
      const started = performance.now()
      await plantSynced(tenant, size)
      const plantMs = performance.now() - started
      const pages: Record<string, unknown> = {}
      for (const query of ['', '?limit=100']) {
        const counted = await call(await getRequest(tenant, `/activity${query}`))
        if (counted.status !== 200) throw new Error(`/activity answered ${counted.status}`)
        const next = counted.body.next_cursor as string | null
        const second = next === null ? null : await call(await getRequest(tenant, `/activity${query === '' ? '?' : `${query}&`}cursor=${next}`))
        pages[`limit=${query === '' ? '50 (default)' : '100'}`] = {
          entries: counted.body.entries.length,
          list: counted.atAnswer.list,
          get: counted.atAnswer.get,
          secondPage: second === null ? null : { entries: second.body.entries.length, list: second.atAnswer.list, get: second.atAnswer.get },
        }
      }
      histories[tenant] = { entries: size, plantMs, plantPerSecond: size / (plantMs / 1000), pages }
    }
    emit('activity', { histories })
  })

  it('list_invoices over 1,000 invoices', async () => {
    const tenant = 'ledger'
    const customer = await seedSettled(tenant, 'Customer', { name: 'Ledger Customer' })
    const started = performance.now()
    await inParallel(scale.invoices, 16, (i) => seedSettled(tenant, 'Invoice', { customer_id: customer, status: i % 3 === 0 ? 'sent' : 'draft', total: 100_000n, amount_paid: 0n, number: `INV-${i}` }))
    const seedMs = performance.now() - started
    const call = countingApp()
    const list = async (args: Record<string, unknown>) => {
      const counted = await call(await toolRequest(tenant, 'list_invoices', args))
      if (counted.status !== 200) throw new Error(`list_invoices answered ${counted.status}: ${JSON.stringify(counted.body)}`)
      return counted
    }
    const pageOf = (counted: Counted) => ({ records: counted.body.invoices.length, list: counted.atAnswer.list, get: counted.atAnswer.get, more: counted.body.next_cursor !== null })
    const firstDefault = pageOf(await list({}))
    const firstMax = pageOf(await list({ limit: 200 }))
    const filtered = pageOf(await list({ where: { status: 'sent' } }))
    // The whole collection, page after page (limit 200).
    let cursor: string | null = null
    let pages = 0
    let records = 0
    let lists = 0
    let gets = 0
    let maxListsPerPage = 0
    do {
      const counted: Counted = await list(cursor === null ? { limit: 200 } : { limit: 200, cursor })
      pages += 1
      records += counted.body.invoices.length
      lists += counted.atAnswer.list
      gets += counted.atAnswer.get
      maxListsPerPage = Math.max(maxListsPerPage, counted.atAnswer.list)
      cursor = counted.body.next_cursor
    } while (cursor !== null && pages < 1000)
    emit('list', {
      invoices: scale.invoices,
      seedMs,
      firstPageDefault: firstDefault,
      firstPageLimit200: firstMax,
      firstPageWhereStatusSent: filtered,
      wholeCollection: { pages, records, list: lists, get: gets, maxListsPerPage },
    })
    expect(records).toBe(scale.invoices)
  })

  // Last: it marks every index complete, which would change how the sections above list.
  it('reads at scale: reports and filtered lists over 100,000 journal lines and 20,000 invoices', async () => {
    await readsAtScale()
  })
})

/** `count` synced entries of `tenant`, one second apart, as the Action leaves them (body and summary metadata), written through the binding. */
async function plantSynced(tenant: string, count: number): Promise<void> {
  const base = Date.now() - 30 * 86_400_000
  await inParallel(count, 256, async (i) => {
    const { key, entry } = await syncedCustomerEntry(tenant, base + i * 1000, {
      name: `Customer ${i}`,
      author: { name: 'Bench Agent', email: 'bench@acme.example' },
      commitSha: (i + 1).toString(16).padStart(40, '0'),
    })
    await env.BUCKET.put(key, JSON.stringify(entry), {
      customMetadata: entrySummaryMetadata(entry, { commit_sha: entry.commit_sha, repository: entry.repository }),
    })
  })
}
