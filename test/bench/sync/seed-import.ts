/**
 * The benchmark's seed commit: one `git fast-import` run, fed while the records are generated. The engine's
 * `fastImport` builds its whole stream before git starts, which suits a sync's commits; a seed of half a
 * million records (a few hundred MB of stream) is better never held at once.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import type { Identity } from '../../../action/fast-import.ts'
import type { Git } from '../../../action/git.ts'

/**
 * glibc gives freed memory back to the kernel as soon as 128 KiB sit free at the top of the heap, and
 * fast-import allocates and frees a zlib deflate state (about 256 KiB) for every object it writes: on a
 * machine where growing the heap is slow, that is most of an import's time. Setup is not a figure of the
 * benchmark, so it keeps the memory; the engine's own git runs are measured as they are.
 */
export const SETUP_GIT_ENV: Readonly<Record<string, string>> = { GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=268435456' }

/** Stream text handed to git at a time, in UTF-16 code units (about as many bytes for these records). */
const CHUNK_CHARS = 1 << 20

/**
 * Writes one root commit holding `records` (paths as they go into git) on `ref` of `git`, and returns its
 * SHA and how many records were fed (a path given twice keeps its last content).
 */
export async function importSeed(
  git: Git,
  options: { ref: string; identity: Identity; at: Date; message: string; records: Iterable<{ path: string; content: string }> },
): Promise<{ sha: string; records: number }> {
  const child = spawn('git', ['fast-import', '--quiet', '--done', '--date-format=raw'], {
    cwd: git.cwd,
    env: { ...process.env, ...SETUP_GIT_ENV, LC_ALL: 'C' },
    stdio: ['pipe', 'ignore', 'pipe'],
  })
  const stderr: Buffer[] = []
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
  const exited = once(child, 'close') as Promise<[number | null]>
  child.stdin.on('error', () => {})

  // Text is gathered into chunks of about a megabyte and handed to git as one write each.
  let pending = ''
  const flush = async () => {
    if (pending === '') return
    const chunk = pending
    pending = ''
    // A write after git died fails; the exit code below says why.
    if (!child.stdin.write(chunk, 'utf8')) await Promise.race([once(child.stdin, 'drain').catch(() => {}), exited])
  }
  const add = async (text: string) => {
    pending += text
    if (pending.length >= CHUNK_CHARS) await flush()
  }

  const seconds = Math.floor(options.at.getTime() / 1000)
  const who = `${options.identity.name} <${options.identity.email}> ${seconds} +0000`
  // `data <n>` counts bytes, not characters.
  const data = (text: string) => `data ${Buffer.byteLength(text, 'utf8')}\n${text}\n`
  await add(`commit ${options.ref}\nauthor ${who}\ncommitter ${who}\n${data(`${options.message}\n`)}`)
  let records = 0
  for (const record of options.records) {
    await add(`M 100644 inline ${record.path}\n${data(record.content)}`)
    records += 1
  }
  await add('\ndone\n')
  await flush()
  child.stdin.end()
  const [code] = await exited
  if (code !== 0) throw new Error(`git fast-import of the seed failed (exit code ${code}): ${Buffer.concat(stderr).toString('utf8').trim()}`)
  const sha = (await git.run(['rev-parse', '--verify', `${options.ref}^{commit}`])).trim()
  return { sha, records }
}
