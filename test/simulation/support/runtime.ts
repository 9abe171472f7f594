import { createHash } from 'node:crypto'

const HASHES: Record<string, string> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256' }

/**
 * Runs `fn` with two process-wide substitutions, restored afterwards:
 * - `crypto.subtle.digest` hashes synchronously. Node's WebCrypto settles on a thread-pool callback (a
 *   macrotask), so "every microtask has run" would not mean "every process waits on the scheduler", and the
 *   order of those callbacks is not ours to choose. The bytes are the same.
 * - `console.error` is silenced: the product logs the failures the simulation injects by the thousand.
 */
export async function withDeterministicRuntime<T>(fn: () => Promise<T>): Promise<T> {
  const subtle = crypto.subtle
  const digest = subtle.digest
  const error = console.error
  subtle.digest = (async (algorithm: AlgorithmIdentifier, data: BufferSource) => {
    const name = typeof algorithm === 'string' ? algorithm : algorithm.name
    const hash = HASHES[name.toUpperCase()]
    if (hash === undefined) return digest.call(subtle, algorithm, data)
    const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data)
    const out = createHash(hash).update(bytes).digest()
    return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength)
  }) as typeof subtle.digest
  console.error = () => {}
  try {
    return await fn()
  } finally {
    subtle.digest = digest
    console.error = error
  }
}
