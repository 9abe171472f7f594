/**
 * The id git gives a file's content: SHA-1 over `blob <byte length>\0` followed by the bytes.
 * Strings are taken as UTF-8, as git stores them. Uses Web Crypto, so it runs in workerd and Node.
 */
export async function gitBlobSha(content: string | Uint8Array): Promise<string> {
  const body = typeof content === 'string' ? new TextEncoder().encode(content) : content
  const header = new TextEncoder().encode(`blob ${body.byteLength}\0`)
  const bytes = new Uint8Array(header.byteLength + body.byteLength)
  bytes.set(header, 0)
  bytes.set(body, header.byteLength)
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-1', bytes))
  let hex = ''
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0')
  return hex
}
