/**
 * The commit entry: the one contract between the Worker (which writes it as the commit point of a
 * transaction) and the Action (which turns it into exactly one git commit). Both sides validate
 * with these schemas. Objects are strict: a field this version does not know means the entry is
 * not what this reader thinks it is, and such an entry is quarantined rather than half-understood.
 */
import * as z from 'zod'
import { gitBlobSha } from './blob-sha.ts'
import { isTenant, isUuid, isoUtcMillis, parseRecordKeyWithoutSchema } from './keys.ts'

const MAX_MESSAGE_LENGTH = 4000
const MAX_IDENTITY_LENGTH = 256
const SHA1_HEX = /^[0-9a-f]{40}$/
/** A lone surrogate has no UTF-8 form, so its bytes (and blob SHA) would depend on the encoder. */
const wellFormed = (text: string) => !/\p{Cs}/u.test(text)

const isoTimestamp = z.string().refine((text) => isoUtcMillis(text) !== undefined, 'expected an ISO-8601 UTC time with milliseconds, e.g. 2026-06-25T16:54:37.616Z')

/** git refuses `<`, `>` and newlines inside an identity; control characters never belong there. */
const authorSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(MAX_IDENTITY_LENGTH)
    .refine((name) => /^[^<>\p{Cc}\p{Cs}]+$/u.test(name) && name.trim() === name, 'a git author name has no <, >, control characters or surrounding spaces'),
  email: z
    .string()
    .min(1)
    .max(MAX_IDENTITY_LENGTH)
    .refine((email) => /^[^<>\s\p{Cc}\p{Cs}]+$/u.test(email), 'a git author email has no <, >, spaces or control characters'),
})

const putFileSchema = z.strictObject({
  path: z.string(),
  op: z.literal('put'),
  sha: z.string().regex(SHA1_HEX, 'expected a git blob SHA-1 in 40 lowercase hex digits'),
  content: z.string().refine(wellFormed, 'content must be well-formed unicode'),
})

const deleteFileSchema = z.strictObject({
  path: z.string(),
  op: z.literal('delete'),
})

export const commitFileSchema = z.discriminatedUnion('op', [putFileSchema, deleteFileSchema])

const entryFields = {
  v: z.literal(1, 'unsupported entry version: this reader understands v 1'),
  oid: z.string().refine(isUuid, 'expected a lowercase UUID'),
  tenant: z.string().refine(isTenant, 'expected a tenant id (a-z, 0-9, "-"; at most 63 characters)'),
  message: z
    .string()
    .min(1)
    .max(MAX_MESSAGE_LENGTH)
    .refine((message) => !message.includes('\0'), 'message must not contain NUL')
    .refine(wellFormed, 'message must be well-formed unicode'),
  author: authorSchema,
  /** The token subject that made the change, when it differs from the author's display identity. */
  actor: z
    .string()
    .min(1)
    .max(MAX_IDENTITY_LENGTH)
    .refine((actor) => /^[^\p{Cc}\p{Cs}]+$/u.test(actor), 'actor has no control characters')
    .optional(),
  ts: isoTimestamp,
  paths: z.array(z.string()),
  files: z.array(commitFileSchema).min(1, 'an entry changes at least one file'),
}

export const commitEntrySchema = z.strictObject(entryFields).superRefine((entry, ctx) => {
  for (const problem of structuralProblems(entry)) ctx.addIssue({ code: 'custom', ...problem })
})

export const syncedEntrySchema = z
  .strictObject({
    ...entryFields,
    commit_sha: z.string().regex(SHA1_HEX, 'expected a git commit SHA-1 in 40 lowercase hex digits'),
    synced_at: isoTimestamp,
    repository: z.url().optional(),
  })
  .superRefine((entry, ctx) => {
    for (const problem of structuralProblems(entry)) ctx.addIssue({ code: 'custom', ...problem })
  })

export type CommitFile = z.infer<typeof commitFileSchema>
export type CommitEntry = z.infer<typeof commitEntrySchema>
export type SyncedEntry = z.infer<typeof syncedEntrySchema>

interface Problem {
  path: (string | number)[]
  message: string
}

/** Everything about paths that a field-by-field schema cannot see. */
function structuralProblems(entry: Pick<CommitEntry, 'tenant' | 'paths' | 'files'>): Problem[] {
  const problems: Problem[] = []
  entry.files.forEach((file, index) => {
    let tenant: string
    try {
      tenant = parseRecordKeyWithoutSchema(file.path).tenant
    } catch {
      problems.push({ path: ['files', index, 'path'], message: `not a record key: ${JSON.stringify(file.path)}` })
      return
    }
    if (tenant !== entry.tenant) {
      problems.push({ path: ['files', index, 'path'], message: `belongs to tenant "${tenant}", not the entry's tenant "${entry.tenant}"` })
    }
  })
  const seen = new Set<string>()
  entry.files.forEach((file, index) => {
    if (seen.has(file.path)) problems.push({ path: ['files', index, 'path'], message: `path appears twice: ${file.path}` })
    seen.add(file.path)
  })
  const filePaths = entry.files.map((file) => file.path)
  if (entry.paths.length !== filePaths.length || entry.paths.some((path, index) => path !== filePaths[index])) {
    problems.push({ path: ['paths'], message: 'paths must list the files\' paths, in the same order' })
  }
  return problems
}

/**
 * The problems that make an entry unfit to commit, empty when there are none: path structure,
 * tenant agreement, and every put's content hashing to its declared blob SHA.
 */
export async function checkEntryIntegrity(entry: CommitEntry | SyncedEntry, blobSha: BlobSha = gitBlobSha): Promise<string[]> {
  const problems = structuralProblems(entry).map(formatProblem)
  const hashes = await Promise.all(entry.files.map((file) => (file.op === 'put' ? blobSha(file.content) : undefined)))
  entry.files.forEach((file, index) => {
    if (file.op === 'put' && hashes[index] !== file.sha) {
      problems.push(formatProblem({ path: ['files', index, 'sha'], message: `content of ${file.path} hashes to ${hashes[index]}, not ${file.sha}` }))
    }
  })
  return problems
}

export type EntryParseResult<T> = { ok: true; entry: T } | { ok: false; reason: string }

/**
 * How a content's git blob SHA is computed: `gitBlobSha` (Web Crypto, any runtime) unless the caller
 * has a quicker one (the Action checks thousands of entries a run with Node's own hash).
 */
export type BlobSha = (content: string) => string | Promise<string>

/** Reads a pending entry's stored text; never throws, whatever the text. */
export function parseCommitEntry(text: string, blobSha?: BlobSha): Promise<EntryParseResult<CommitEntry>> {
  return parseEntry(text, commitEntrySchema, blobSha)
}

/** Reads a synced entry's stored text; never throws, whatever the text. */
export function parseSyncedEntry(text: string, blobSha?: BlobSha): Promise<EntryParseResult<SyncedEntry>> {
  return parseEntry(text, syncedEntrySchema, blobSha)
}

const MAX_REASONS = 10

async function parseEntry<T extends CommitEntry>(text: string, schema: z.ZodType<T>, blobSha?: BlobSha): Promise<EntryParseResult<T>> {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return { ok: false, reason: `not JSON: ${error instanceof Error ? error.message : String(error)}` }
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) {
    return { ok: false, reason: summarize(parsed.error.issues.map((issue) => formatProblem({ path: issue.path.map(pathSegment), message: issue.message }))) }
  }
  const problems = await checkEntryIntegrity(parsed.data, blobSha)
  return problems.length === 0 ? { ok: true, entry: parsed.data } : { ok: false, reason: summarize(problems) }
}

function pathSegment(segment: PropertyKey): string | number {
  return typeof segment === 'number' ? segment : String(segment)
}

function formatProblem({ path, message }: Problem): string {
  return path.length === 0 ? message : `${path.join('.')}: ${message}`
}

function summarize(problems: string[]): string {
  const shown = problems.slice(0, MAX_REASONS).join('; ')
  return problems.length > MAX_REASONS ? `${shown}; and ${problems.length - MAX_REASONS} more` : shown
}
