import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { InputError, isoTime, readSettings } from '../../action/input-helper.ts'

const base = { bucket: 'books', 'access-key-id': 'AKID', 'secret-access-key': 'SECRET', 'account-id': 'abc123' }
const reader = (inputs: Record<string, string>) => (name: string) => inputs[name] ?? ''
const outsideARun = { workspace: undefined, repositoryUrl: undefined }

describe('readSettings', () => {
  it('fills in the defaults of action.yml and the runner environment', () => {
    const settings = readSettings(reader(base), { workspace: '/home/runner/work/books/books', repositoryUrl: 'https://github.com/acme/books' })
    expect(settings).toEqual({
      bucket: { accountId: 'abc123', bucket: 'books', accessKeyId: 'AKID', secretAccessKey: 'SECRET' },
      run: { mode: 'sync', dryRun: false, commitMode: 'per-entry', repair: false },
      branch: undefined,
      committer: { name: 'accelerando-syncer', email: 'accelerando-syncer@users.noreply.github.com' },
      repositoryPath: '/home/runner/work/books/books',
      repository: 'https://github.com/acme/books',
    })
  })

  it('reads every input', () => {
    const settings = readSettings(
      reader({
        ...base,
        endpoint: 'http://127.0.0.1:8787/cdn-cgi/local/r2/s3',
        mode: 'replay',
        'dry-run': 'True',
        'max-entries': '500',
        'commit-mode': 'batch',
        branch: 'books',
        'committer-name': 'Books Bot',
        'committer-email': 'bot@acme.example',
        since: '2026-06-25',
        until: '2026-06-26T12:30:00',
        repair: 'false',
        'repository-path': '/data',
      }),
      outsideARun,
    )
    expect(settings.run).toEqual({
      mode: 'replay',
      dryRun: true,
      commitMode: 'batch',
      repair: false,
      maxEntries: 500,
      since: new Date('2026-06-25T00:00:00.000Z'),
      until: new Date('2026-06-26T12:30:00.000Z'),
    })
    expect(settings).toMatchObject({ branch: 'books', committer: { name: 'Books Bot', email: 'bot@acme.example' }, repositoryPath: '/data', repository: undefined })
    expect(settings.bucket.endpoint).toBe('http://127.0.0.1:8787/cdn-cgi/local/r2/s3')
  })

  it.each([
    [{ ...base, 'account-id': '' }, 'set either "endpoint" or "account-id"'],
    [{ ...base, bucket: '' }, 'input "bucket" is required'],
    [{ ...base, 'secret-access-key': ' ' }, 'input "secret-access-key" is required'],
    [{ ...base, mode: 'rebase' }, 'input "mode" must be one of sync, replay, verify; got "rebase"'],
    [{ ...base, 'commit-mode': 'squash' }, 'input "commit-mode" must be one of per-entry, batch'],
    [{ ...base, 'dry-run': 'yes' }, 'input "dry-run" must be true or false'],
    [{ ...base, 'max-entries': '0' }, 'input "max-entries" must be a positive whole number'],
    [{ ...base, since: 'last week' }, 'input "since" must be an ISO-8601 time'],
    [{ ...base, endpoint: 'r2.example' }, 'input "endpoint" must be an http(s) URL'],
  ])('refuses %o', (inputs, message) => {
    expect(() => readSettings(reader(inputs), outsideARun)).toThrow(InputError)
    expect(() => readSettings(reader(inputs), outsideARun)).toThrow(message)
  })

  it('reads a time without a zone as UTC, whatever the runner\'s zone', () => {
    expect(isoTime('since', '2026-06-25T10:00').toISOString()).toBe('2026-06-25T10:00:00.000Z')
    expect(isoTime('since', '2026-06-25T10:00:00+02:00').toISOString()).toBe('2026-06-25T08:00:00.000Z')
    expect(() => isoTime('since', '2026-06-25 10:00')).toThrow(InputError)
  })

  it('reads exactly the inputs action.yml declares', async () => {
    const yml = await readFile(resolve(import.meta.dirname, '../../action.yml'), 'utf8')
    const section = (name: string) => {
      const body = yml.split(new RegExp(`^${name}:\\n`, 'm'))[1]!.split(/^\S/m)[0]!
      return [...body.matchAll(/^ {2}([a-z][a-z-]*):$/gm)].map((match) => match[1])
    }
    const read = new Set<string>()
    readSettings((name) => (read.add(name), (base as Record<string, string>)[name] ?? ''), outsideARun)
    expect(section('inputs').sort()).toEqual([...read].sort())
    expect(section('outputs').sort()).toEqual(['commits', 'drift', 'head-sha', 'quarantined', 'remaining', 'synced'])
    expect(yml).toMatch(/^runs:\n {2}using: node24\n {2}main: dist\/index\.js$/m)
  })
})
