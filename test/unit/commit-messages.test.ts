import { describe, expect, it } from 'vitest'
import { parseCommitEntry } from '../../shared/commit-entry.ts'
import { editMessage } from '../../shared/git-store/messages.ts'

describe('edit messages', () => {
  it('show short values, and leave out any a commit subject cannot carry', async () => {
    expect(editMessage('Customer', '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001', { email: 'a@example.com' })).toBe('edit Customer 0193f6c2: email → a@example.com')
    for (const value of ['a\u0000b', '\ud800', 'x\u0007', 'two\nlines', 'tab\there', 'sep\u2028arator']) {
      const message = editMessage('Customer', '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001', { notes: value, phone: '+1 555' })
      expect(message, JSON.stringify(value)).toBe('edit Customer 0193f6c2: notes, phone → +1 555')
      // The entry contract (what the Action checks before committing) accepts the message.
      const entry = {
        v: 1,
        oid: '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c002',
        tenant: 'acme',
        message,
        author: { name: 'Bot', email: 'bot@acme.example' },
        ts: '2026-06-25T10:00:00.000Z',
        paths: ['data/acme/Customer/0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001.agi'],
        files: [{ path: 'data/acme/Customer/0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001.agi', op: 'delete' }],
      }
      expect((await parseCommitEntry(JSON.stringify(entry))).ok, JSON.stringify(value)).toBe(true)
    }
  })
})
