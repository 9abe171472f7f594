/**
 * The development bucket: wrangler's local R2, served over S3 by `wrangler dev` with the
 * credentials declared in `wrangler.jsonc` (`r2_buckets[0].local_dev.experimental_s3_credentials`).
 * The CLI's `--local` and the development sync loop reach it through the production S3 code path.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { S3ObjectStoreOptions } from './s3-object-store.ts'

export const LOCAL_S3_PATH = '/cdn-cgi/local/r2/s3'

export type LocalBucketOptions = Pick<S3ObjectStoreOptions, 'endpoint' | 'bucket' | 'accessKeyId' | 'secretAccessKey'> & { endpoint: string }

/** `http://127.0.0.1:<port>/cdn-cgi/local/r2/s3`, the port being `PORT` or wrangler's 8787. */
export function localS3Endpoint(port: number | string = process.env.PORT ?? 8787): string {
  return `http://127.0.0.1:${port}${LOCAL_S3_PATH}`
}

/**
 * The local bucket's name and S3 credentials from `<projectDir>/wrangler.jsonc`, with the local endpoint.
 *
 * @example
 * const store = new S3ObjectStore(await localBucketOptions({ projectDir }))
 */
export async function localBucketOptions(options: { projectDir?: string; endpoint?: string; configFile?: string } = {}): Promise<LocalBucketOptions> {
  const file = options.configFile ?? join(options.projectDir ?? process.cwd(), 'wrangler.jsonc')
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new Error(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`)
  }
  let config: unknown
  try {
    config = JSON.parse(stripJsonComments(text))
  } catch (error) {
    throw new Error(`${file} is not valid JSONC: ${error instanceof Error ? error.message : String(error)}`)
  }
  const bucket = (config as { r2_buckets?: unknown[] } | null)?.r2_buckets?.[0] as
    | { bucket_name?: unknown; local_dev?: { experimental_s3_credentials?: { accessKeyId?: unknown; secretAccessKey?: unknown } } }
    | undefined
  const credentials = bucket?.local_dev?.experimental_s3_credentials
  if (typeof bucket?.bucket_name !== 'string' || typeof credentials?.accessKeyId !== 'string' || typeof credentials.secretAccessKey !== 'string') {
    throw new Error(`${file}: r2_buckets[0] needs bucket_name and local_dev.experimental_s3_credentials { accessKeyId, secretAccessKey }`)
  }
  return {
    endpoint: options.endpoint ?? localS3Endpoint(),
    bucket: bucket.bucket_name,
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
  }
}

/** JSONC → JSON: drops `//` and `/* *\/` comments and trailing commas; strings are copied untouched. */
export function stripJsonComments(text: string): string {
  let out = ''
  let i = 0
  while (i < text.length) {
    const char = text[i] as string
    if (char === '"') {
      let end = i + 1
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1
      out += text.slice(i, end + 1)
      i = end + 1
    } else if (char === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++
    } else if (char === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2)
      i = end < 0 ? text.length : end + 2
    } else if (char === ',' && /[}\]]/.test(nextSignificant(text, i + 1))) {
      // A trailing comma, which JSON refuses.
      i++
    } else {
      out += char
      i++
    }
  }
  return out
}

/** The next character that is neither white space nor inside a comment ('' at the end). */
function nextSignificant(text: string, from: number): string {
  let i = from
  while (i < text.length) {
    if (/\s/.test(text[i] as string)) i++
    else if (text.startsWith('//', i)) while (i < text.length && text[i] !== '\n') i++
    else if (text.startsWith('/*', i)) i = text.indexOf('*/', i + 2) < 0 ? text.length : text.indexOf('*/', i + 2) + 2
    else return text[i] as string
  }
  return ''
}
