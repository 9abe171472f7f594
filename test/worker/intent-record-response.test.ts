import { reset } from 'cloudflare:test'
import { afterEach, describe, expect, it } from 'vitest'
import { commitResponse, recordResponse, responseName, writtenRecordResponse } from '../../worker/tools/record-response.ts'
import { intentContext } from './intent-support.ts'

afterEach(async () => {
  await reset()
})

describe('record responses', () => {
  it('answers a record as id, its fields (money as numbers) and its version', async () => {
    const { store } = intentContext()
    const result = await store.transaction('create Account', async (tx) => tx.create('Account', { code: '1000', name: 'Cash', type: 'asset' }))
    const account = writtenRecordResponse(store.schema, result, result.value)
    const stored = await store.read('Account', result.value.id)
    expect(account).toEqual({ ...recordResponse(store.schema, stored!), version: stored!.version })
    expect(Object.keys(account)).toEqual(['id', 'tenant_id', 'code', 'name', 'type', 'active', 'created_at', 'updated_at', 'version'])
    expect(commitResponse(result.commit)).toEqual({ oid: result.commit!.oid, status: 'pending' })
    expect(commitResponse(null)).toBeNull()
  })

  it('refuses a record the transaction did not write', async () => {
    const { store } = intentContext()
    const result = await store.transaction('create Account', async (tx) => tx.create('Account', { code: '1000', name: 'Cash', type: 'asset' }))
    expect(() => writtenRecordResponse(store.schema, result, { ...result.value, id: '0193f6c1-0000-7000-8000-000000000001' })).toThrow('was not written')
  })

  it('names records in snake case', () => {
    expect(['Invoice', 'InvoiceLineItem', 'JournalEntry', 'Payment'].map(responseName)).toEqual(['invoice', 'invoice_line_item', 'journal_entry', 'payment'])
  })
})
