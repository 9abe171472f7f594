import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { entrySummaryFromMetadata, entrySummaryMetadata } from '../../shared/entry-metadata.ts'
import { decodeMetadataText, encodeMetadataText } from '../../shared/metadata-text.ts'

const entry = {
  oid: '0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001',
  tenant: 'acme',
  message: 'create Invoice with 3 lines\n\nfor Zoë — “rush” order 🚀',
  author: { name: 'Zoë Bot', email: 'bot@acme.example' },
  ts: '2026-06-25T16:54:37.616Z',
  paths: ['data/acme/Invoice/0193f6c2-8e1a-7c3d-9b2e-41f0a6d2c001.agi'],
}

describe('entry summaries in object metadata', () => {
  it('round-trip every field, with free text kept to printable ASCII for the S3 API', () => {
    const metadata = entrySummaryMetadata(entry, { commit_sha: 'a'.repeat(40), repository: 'https://github.com/acme/books' })
    for (const value of Object.values(metadata)) expect(value).toMatch(/^[\x20-\x7e]*$/)
    expect(entrySummaryFromMetadata(metadata)).toEqual({ ...entry, commit_sha: 'a'.repeat(40), repository: 'https://github.com/acme/books' })
  })

  it('leave out a path list too long for R2 metadata, and cut long messages', () => {
    const paths = Array.from({ length: 200 }, (_, index) => `data/acme/InvoiceLineItem/0193f6c2-8e1a-7c3d-9b2e-41f0a6d2${String(index).padStart(4, '0')}.agi`)
    const metadata = entrySummaryMetadata({ ...entry, message: 'x'.repeat(5000), paths })
    const summary = entrySummaryFromMetadata(metadata)
    expect(summary?.paths).toBeUndefined()
    expect(summary?.message.length).toBe(500)
    expect(JSON.stringify(metadata).length).toBeLessThan(8192)
  })

  it('report unreadable metadata as missing, never as an empty entry', () => {
    expect(entrySummaryFromMetadata({})).toBeNull()
    expect(entrySummaryFromMetadata({ ...entrySummaryMetadata(entry), message: '%%%not base64' })).toBeNull()
  })

  it('encode any text losslessly', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const encoded = encodeMetadataText(text)
        expect(encoded).toMatch(/^[A-Za-z0-9+/=]*$/)
        expect(decodeMetadataText(encoded)).toBe(text)
      }),
      { numRuns: 500 },
    )
  })
})
