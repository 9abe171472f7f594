import { reset } from 'cloudflare:test'
import { afterEach, describe, expect, it } from 'vitest'
import { newId } from '../../shared/keys.ts'
import { callTool, ok, settle } from './support/api.ts'

afterEach(async () => {
  await settle()
  await reset()
})

/** Tools that take one invoice id, generic and intent alike, each with arguments otherwise valid. */
const TAKING_AN_INVOICE_ID: [tool: string, args: (id: string) => Record<string, unknown>][] = [
  ['read_invoice', (id) => ({ id })],
  ['edit_invoice', (id) => ({ id, patch: { notes: 'net 30' } })],
  ['update_invoice_status', (id) => ({ invoice_id: id, status: 'sent' })],
  ['record_payment', (id) => ({ invoice_id: id, amount: 1 })],
]

async function statusesFor(id: string): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {}
  for (const [tool, args] of TAKING_AN_INVOICE_ID) statuses[tool] = (await callTool(tool, args(id))).status
  return statuses
}

const every = (status: number) => Object.fromEntries(TAKING_AN_INVOICE_ID.map(([tool]) => [tool, status]))

describe('one id rule for every tool', () => {
  it('takes any real UUID version: an id the store created, and ids of older data (v4, v1) that name no record', async () => {
    for (const id of [newId(), '9b2e41f0-a6d2-4c00-9193-f6c28e1a7c3d', 'c232ab00-9414-11ec-b3c8-9f6bdeced846']) {
      expect(await statusesFor(id), id).toEqual(every(404))
    }
  })

  it('refuses alike what only looks like a UUID or is not lowercase canonical', async () => {
    const v7 = newId()
    const refused = [
      '00000000-0000-0000-0000-000000000000',
      v7.replace(/^(.{14})7/, '$10'),
      v7.replace(/^(.{19})[89ab]/, '$1c'),
      v7.toUpperCase(),
      v7.replaceAll('-', ''),
      `${v7}/..`,
    ]
    for (const id of refused) expect(await statusesFor(id), id).toEqual(every(400))
  })

  it('takes the id of an invoice that exists in every one of them', async () => {
    const customer = (await ok('create_customer', { name: 'Globe Corp' })).customer
    const { invoice } = await ok('create_invoice_with_lines', { customer_id: customer.id, lines: [{ description: 'Work', unit_price: 100 }] })
    expect(await statusesFor(invoice.id)).toEqual(every(200))
  })
})
