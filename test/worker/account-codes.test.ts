/**
 * The ledger cannot be rewritten through the chart of accounts: a code names one account of the tenant, also under
 * concurrent creates, and a code that a journal line uses never changes.
 */
import { env } from 'cloudflare:workers'
import { reset } from 'cloudflare:test'
import { afterEach, describe, expect, it } from 'vitest'
import { serializeRecord } from '../../shared/agi/index.ts'
import { newId, recordKey } from '../../shared/keys.ts'
import { ERP_SCHEMA } from '../../shared/schema/index.ts'
import { callTool, keysUnder, ok, pendingEntries, settle } from './support/api.ts'

afterEach(async () => {
  await settle()
  await reset()
})

async function refusal(response: Response) {
  return { status: response.status, code: ((await response.json()) as any).error?.code }
}

const account = (code: string, name = `Account ${code}`) => ok('create_account', { code, name, type: 'asset' })

const post = (debit: string, credit: string) =>
  callTool('create_journal_entry', {
    date: '2026-06-25',
    memo: 'move',
    lines: [
      { account_code: debit, debit: '10.00' },
      { account_code: credit, credit: '10.00' },
    ],
  })

describe('account codes', () => {
  it('are unique per tenant: a second account with a code is refused with 422 duplicate_account_code', async () => {
    await account('1000')
    expect(await refusal(await callTool('create_account', { code: '1000', name: 'Cash again', type: 'asset' }))).toEqual({ status: 422, code: 'duplicate_account_code' })
    const other = (await account('1100')).account
    expect(await refusal(await callTool('edit_account', { id: other.id, patch: { code: '1000' } }))).toEqual({ status: 422, code: 'duplicate_account_code' })
    expect((await ok('list_accounts', {})).accounts.map((found: any) => found.code).sort()).toEqual(['1000', '1100'])
  })

  it('are unique under concurrent creates: one account per code', async () => {
    const responses = await Promise.all(Array.from({ length: 6 }, (_, index) => callTool('create_account', { code: '2000', name: `Racer ${index}`, type: 'liability' })))
    const statuses = responses.map((response) => response.status)
    expect(statuses.filter((status) => status === 200)).toHaveLength(1)
    expect(statuses.every((status) => status === 200 || status === 409 || status === 422)).toBe(true)
    expect((await ok('list_accounts', {})).accounts).toHaveLength(1)
  })

  it('may change until a journal line uses them; then only name, description and active may', async () => {
    const cash = (await account('1000', 'Cash')).account
    const bank = (await account('1010', 'Bank')).account
    const renamed = await ok('edit_account', { id: cash.id, patch: { code: '1001' } })
    expect(renamed.account.code).toBe('1001')
    // The old code is free again; the new one is taken.
    expect((await account('1000', 'Petty cash')).account.code).toBe('1000')
    expect((await post('1001', '1010')).status).toBe(200)
    expect(await refusal(await callTool('edit_account', { id: cash.id, patch: { code: '1002' } }))).toEqual({ status: 422, code: 'account_in_use' })
    expect(await refusal(await callTool('edit_account', { id: bank.id, patch: { code: '1011' } }))).toEqual({ status: 422, code: 'account_in_use' })
    const edited = await ok('edit_account', { id: cash.id, patch: { name: 'Cash at hand', description: 'Till', active: false } })
    expect(edited.account).toMatchObject({ code: '1001', name: 'Cash at hand', description: 'Till', active: false })
    const balance = await ok('trial_balance', {})
    expect(JSON.stringify(balance)).not.toContain('"name":null')
  })

  it('a code used by journal lines written before codes were guarded cannot change either', async () => {
    // Records as an earlier version wrote them: no guard objects.
    const at = '2026-06-01T10:00:00.000Z'
    const write = async (entity: string, fields: Record<string, unknown>) => {
      const id = newId()
      const text = serializeRecord({ entity, id, fields: { tenant_id: 'acme', created_at: at, updated_at: at, ...fields } as never, unknown: {} }, ERP_SCHEMA)
      await env.BUCKET.put(recordKey(ERP_SCHEMA, 'acme', entity, id), text)
      return id
    }
    const cash = await write('Account', { code: '1000', name: 'Cash', type: 'asset', active: true })
    await write('Account', { code: '3000', name: 'Equity', type: 'equity', active: true })
    const entry = await write('JournalEntry', { date: '2026-06-01', memo: 'opening' })
    await write('JournalLine', { journal_entry_id: entry, position: 1, date: '2026-06-01', account_code: '1000', debit: 500n, credit: 0n })
    await write('JournalLine', { journal_entry_id: entry, position: 2, date: '2026-06-01', account_code: '3000', debit: 0n, credit: 500n })
    expect(await keysUnder('unique/')).toEqual([])
    expect(await refusal(await callTool('edit_account', { id: cash, patch: { code: '1001' } }))).toEqual({ status: 422, code: 'account_in_use' })
    expect(await refusal(await callTool('create_account', { code: '3000', name: 'Equity again', type: 'equity' }))).toEqual({ status: 422, code: 'duplicate_account_code' })
    expect((await post('1000', '3000')).status).toBe(200)
    expect(await refusal(await callTool('edit_account', { id: cash, patch: { code: '1001' } }))).toEqual({ status: 422, code: 'account_in_use' })
  })

  it('a posting racing a code change: never both, and the ledger names an existing code', async () => {
    for (let round = 0; round < 5; round++) {
      const a = (await account(`5${round}00`)).account
      await account(`6${round}00`)
      const [change, posting] = await Promise.all([callTool('edit_account', { id: a.id, patch: { code: `7${round}00` } }), post(`5${round}00`, `6${round}00`)])
      expect(change.status === 200 && posting.status === 200).toBe(false)
    }
    const codes = new Set(((await ok('list_accounts', {})).accounts as any[]).map((found) => found.code))
    for (const entry of await pendingEntries()) {
      for (const file of entry.files) {
        const code = file.op === 'put' ? /account_code\s*:\s*"([^"]+)"/.exec(file.content)?.[1] : undefined
        if (code !== undefined) expect(codes.has(code)).toBe(true)
      }
    }
  })
})
