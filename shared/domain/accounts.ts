/**
 * Which accounts a journal entry may post to. Lines name accounts by code, so a code must name exactly
 * one account of the tenant, and that account must be active: a deactivated account keeps its history
 * but takes no new postings.
 */
import type { AgiRecord } from '../agi/types.ts'
import { DomainRuleError } from '../errors.ts'
import { boolField, textField } from './record-fields.ts'

/**
 * The account for each code in `codes`, from the tenant's chart of accounts.
 * @throws DomainRuleError `unknown_reference` (codes naming no account), `ambiguous_reference` (a code shared by
 *   several accounts), `inactive_account` — each listing every offending code at once.
 */
export function resolvePostingAccounts(chart: readonly AgiRecord[], codes: Iterable<string>): Map<string, AgiRecord> {
  const byCode = new Map<string, AgiRecord[]>()
  for (const account of chart) {
    const code = textField(account, 'code')
    if (code !== undefined) byCode.set(code, [...(byCode.get(code) ?? []), account])
  }
  const wanted = [...new Set(codes)]
  const unknown = wanted.filter((code) => !byCode.has(code))
  if (unknown.length > 0) {
    throw new DomainRuleError('unknown_reference', `No account with code ${unknown.map((c) => JSON.stringify(c)).join(', ')} exists; create it first or use an existing code.`, {
      entity: 'Account',
      field: 'account_code',
      codes: unknown,
    })
  }
  const ambiguous = wanted.filter((code) => (byCode.get(code)?.length ?? 0) > 1)
  if (ambiguous.length > 0) {
    throw new DomainRuleError('ambiguous_reference', `Several accounts share the code ${ambiguous.map((c) => JSON.stringify(c)).join(', ')}; give each a unique code first.`, {
      entity: 'Account',
      field: 'account_code',
      codes: ambiguous,
    })
  }
  const resolved = new Map(wanted.map((code) => [code, (byCode.get(code) as AgiRecord[])[0] as AgiRecord]))
  const inactive = wanted.filter((code) => boolField(resolved.get(code) as AgiRecord, 'active') === false)
  if (inactive.length > 0) {
    throw new DomainRuleError('inactive_account', `Account ${inactive.map((c) => JSON.stringify(c)).join(', ')} is inactive and takes no new postings.`, {
      entity: 'Account',
      field: 'account_code',
      codes: inactive,
    })
  }
  return resolved
}
