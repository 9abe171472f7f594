/**
 * Benchmark 1: the sync engine against the naive baseline, on the same input, in one run.
 *
 * A bare `origin` is seeded with `seedFiles` records in one fast-import run, each at its sharded path
 * (`gitPathOfRecordKey`); `entryCount` pending entries are planted in Miniflare's local R2 (not timed as
 * part of the sync). Then, each in its own process:
 * - the engine over Miniflare's S3 endpoint (the production code path), every request counted, phases
 *   stamped, workerd's CPU sampled so the emulator's share is visible; afterwards the widest directory of
 *   the origin's tree, counted from git;
 * - the same engine over an in-memory bucket (the same entries), which is the engine without any emulator;
 * - the same again onto a repository of `scaleSeedFiles` records (the seed and more records no entry
 *   touches), to see how the sync grows with the repository rather than with the entries;
 * and, in this process, the naive baseline (write files, `git add`, `git commit` per entry, one push) on
 * the first entries, extrapolated to all of them.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { withTrailers } from '../../../action/engine/trailers.ts'
import { Git } from '../../../action/git.ts'
import { gitPathOfRecordKey } from '../../../shared/keys.ts'
import { startBucketHost, s3Store, type BucketHost, type PlantObject } from '../support/bucket-host.ts'
import { CpuSampler, descendantsNamed } from '../support/cpu.ts'
import { generateDataset, moreSeedRecords, type Dataset } from './dataset.ts'
import { importSeed } from './seed-import.ts'
import type { RequestKind, SyncChildConfig, SyncChildReport } from './sync-child.ts'

export interface SyncBenchOptions {
  seedFiles: number
  entryCount: number
  /** Entries the naive baseline runs before its time is extrapolated. */
  naiveEntries: number
  /** The naive baseline stops early after this long (whichever comes first). */
  naiveTimeBoxMs: number
  /** Objects planted through each slow method (S3 PutObject, the binding proxy) to measure its rate. */
  plantSample: number
  /** Records of the repository the scale run syncs the same entries onto (more than `seedFiles`). */
  scaleSeedFiles: number
  log: (line: string) => void
}

export interface Phase {
  name: string
  wallMs: number
  /** CPU of the engine's own process. */
  engineCpuMs: number
  /** CPU of git processes that finished in the phase (null when unknown). */
  gitCpuMs: number | null
  /** The kernel's part of `gitCpuMs` (system time). */
  gitSystemCpuMs: number | null
  /** CPU of the local emulator (workerd) in the phase; null for the in-memory run. */
  emulatorCpuMs: number | null
}

export interface SyncRun {
  store: 's3' | 'memory'
  /** From the engine's first call to its return. */
  wallMs: number
  /** The whole child process, Node start-up included (from /usr/bin/time when present). */
  processWallMs: number | null
  commits: number
  synced: number
  commitsPerSecond: number
  /** Peak RSS of the engine's Node process. */
  engineMaxRssMb: number
  /** Peak RSS of the largest process of the run (Node or a git it ran), from /usr/bin/time. */
  treeMaxRssMb: number | null
  requests: Record<RequestKind, { calls: number; requests: number; keys: number }>
  phases: Phase[]
  /** CPU of the local emulator (workerd) from the engine's first call to its return; null for the in-memory run. */
  emulatorCpuMs: number | null
  /**
   * The local origin's side of the push (receive-pack with its index-pack and connectivity check), which
   * GitHub does in production: from /usr/bin/time around receive-pack; null without it.
   */
  origin: OriginSide | null
  /** Bytes of the trees git wrote per commit (every directory on the commit's paths, root included), read back from git. */
  treeBytesPerCommit: number
}

/** The origin's receive-pack, from /usr/bin/time and its trace2 events. */
export interface OriginSide {
  wallMs: number
  cpuMs: number
  maxRssMb: number
  /** Its index-pack child: reads and hashes the pack while the push sends it. */
  indexPackMs: number
  /** Its connectivity check (`rev-list --objects … --not --all`), after the pack is in: the push waits for it. */
  connectivityMs: number
}

export interface SyncBenchResult {
  input: {
    seedFiles: number
    entries: number
    tenants: number
    files: number
    puts: number
    deletes: number
    filesPerEntry: { min: number; max: number; mean: number }
    contentMb: number
    /** Directories each commit rewrites (every one on its paths, up to the root), on average. */
    treeVersionsPerCommit: number
    /** Entries of those directories, on average (git writes a new tree for each). */
    treeEntriesPerCommit: number
    /** The widest directory after the last entry, as the dataset predicts it. */
    largestDirectory: Widest
  }
  setup: {
    generateMs: number
    seedImportMs: number
    clonesMs: number
    planting: { method: string; objects: number; ms: number; perSecond: number }[]
    /** The scale run's repository: its records generated while one fast-import writes them, then checked out. */
    scaleSeedImportMs: number
    scaleCloneMs: number
  }
  s3: SyncRun
  memory: SyncRun
  /** The widest directory of the origin's tree after the sync over Miniflare's S3, counted from `git ls-tree`. */
  widestDirectory: Widest
  /**
   * The same entries over the in-memory bucket onto `seedFiles` records and onto `scaleSeedFiles`, in
   * alternating rounds (the `memory` run is the first onto the seed), each from fresh copies of the origins.
   */
  scale: {
    seedFiles: number
    /** The fastest run onto the seed, and the fastest onto `seedFiles` records. */
    small: SyncRun
    run: SyncRun
    /** `run.wallMs` ÷ `small.wallMs`. */
    ratio: number
    /** Every run's wall time, in the order run. */
    wallsMs: { small: number[]; scale: number[] }
    widestDirectory: Widest
  }
  naive: {
    measuredEntries: number
    timeBoxed: boolean
    commitPhaseMs: number
    perEntryMs: number
    pushMs: number
    /** perEntryMs × entries + pushMs (the push of the measured commits, not scaled up). */
    extrapolatedMs: number
    /** The naive repository's tree after its last entry equals the tree of the engine's commit for that entry. */
    sameTreeAsEngine: boolean
  }
  ratios: {
    /** Naive (extrapolated, git only) ÷ the engine end to end over Miniflare's S3 (S3 included). */
    endToEnd: number
    /** Naive ÷ the engine end to end over the in-memory bucket. */
    engineOnly: number
    /** Naive per entry ÷ (fast-import + push) per entry. */
    gitWork: number
  }
  checks: { pendingLeft: number; syncedCopies: number; originCommits: number }
}

/** A directory of a tree and its entries (files and subdirectories); '' is the root. */
export interface Widest {
  path: string
  entries: number
}

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'sync-child.ts')
const SEED_IDENTITY = { name: 'Data Repo Owner', email: 'owner@books.example' }
const COMMITTER = { name: 'accelerando-syncer', email: 'accelerando-syncer@users.noreply.github.com' }

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now()
  const value = await fn()
  return [value, performance.now() - start]
}

async function forEachLimited<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T)
    }),
  )
}

export async function runSyncBench(options: SyncBenchOptions): Promise<SyncBenchResult> {
  const { log } = options
  const root = await mkdtemp(join(tmpdir(), 'accelerando-bench-'))
  let host: BucketHost | undefined
  try {
    log(`generating ${options.seedFiles} seed records and ${options.entryCount} entries`)
    const [dataset, generateMs] = await timed(() => generateDataset({ seedFiles: options.seedFiles, entryCount: options.entryCount, startMs: Date.now() - 7 * 86_400_000 }))

    // ---- repositories: one seeded origin, copied for each contender so each starts from the same state
    const origin = new Git(join(root, 'origin.git'))
    await origin.init({ bare: true, initialBranch: 'main' })
    const [, seedImportMs] = await timed(() => importSeed(origin, seedCommit(dataset.seed.size, seedRecordsOf(dataset))))
    log(`seeded origin with ${dataset.seed.size} files in ${(seedImportMs / 1000).toFixed(1)} s (one fast-import run)`)
    const [, clonesMs] = await timed(async () => {
      // `origin-seed.git` stays as seeded: the scale comparison's later runs onto the seed start from it.
      for (const name of ['mem', 'naive', 'seed']) await new Git(join(root, `origin-${name}.git`)).clone(origin.cwd, { bare: true })
      // Checkouts as the sync workflow's actions/checkout leaves the workspace (full history, only .github
      // on disk); the naive baseline writes files, so it gets a full checkout.
      await Promise.all([
        cloneAsTheWorkflowDoes(new Git(join(root, 'work-s3')), origin.cwd),
        cloneAsTheWorkflowDoes(new Git(join(root, 'work-mem')), join(root, 'origin-mem.git')),
        new Git(join(root, 'work-naive')).clone(join(root, 'origin-naive.git')),
      ])
    })

    // The origin's side of each engine push is timed on its own: in production that work is GitHub's.
    const receiveLogs = { s3: join(root, 's3-receive.txt'), mem: join(root, 'mem-receive.txt') }
    for (const name of ['s3', 'mem'] as const) await timeReceivePack(root, new Git(join(root, `work-${name}`)), receiveLogs[name])

    // ---- the bucket and the pending entries (planting is setup, not sync time)
    host = await startBucketHost({ storageDir: join(root, 'bucket') })
    const planting = await plant(host, dataset, options.plantSample, log)
    const planted = await host.count('commits/')
    if (planted !== options.entryCount) throw new Error(`planted ${planted} pending entries, expected ${options.entryCount}`)

    // ---- the engine over Miniflare's S3 endpoint
    const workerd = descendantsNamed(process.pid, 'workerd')
    log(`sync over Miniflare's S3 endpoint (workerd pids ${workerd.join(', ') || 'unknown'})`)
    const sampler = workerd.length > 0 ? new CpuSampler(workerd) : null
    const s3Report = await runChild(root, 's3', { store: 's3', repo: join(root, 'work-s3'), branch: 'main', s3: host.s3Options() })
    sampler?.stop()
    const s3 = summarize(s3Report.report, s3Report.time, sampler, await receiveTime(receiveLogs.s3), await treeBytesPerCommit(origin, await entryCommits(origin)))
    log(`  ${s3.commits} commits in ${(s3.wallMs / 1000).toFixed(1)} s`)
    const checks = {
      pendingLeft: await host.count('commits/'),
      syncedCopies: await host.count('synced/'),
      originCommits: Number((await origin.run(['rev-list', '--count', 'main'])).trim()),
    }
    const widest = await widestDirectory(origin, 'main')
    log(`  widest directory of the origin after the sync: ${widest.entries} entries (${widest.path || 'the root'})`)

    // ---- the same engine, same entries, bucket in memory. The emulator is stopped first, so nothing of
    // the S3 run is left running beside either run the scale figure compares.
    await host.dispose()
    host = undefined
    log('sync over an in-memory bucket (the engine alone)')
    const pendingFile = join(root, 'pending.jsonl')
    await writeFile(pendingFile, dataset.pending.map((object) => JSON.stringify(object)).join('\n'))
    const memoryReport = await runChild(root, 'memory', { store: 'memory', repo: join(root, 'work-mem'), branch: 'main', pendingFile })
    const originMem = new Git(join(root, 'origin-mem.git'))
    const memory = summarize(memoryReport.report, memoryReport.time, null, await receiveTime(receiveLogs.mem), await treeBytesPerCommit(originMem, await entryCommits(originMem)))
    log(`  ${memory.commits} commits in ${(memory.wallMs / 1000).toFixed(1)} s`)

    // ---- the same entries, bucket in memory, onto a repository of `scaleSeedFiles` records
    const scale = await runScale(root, dataset, pendingFile, options.scaleSeedFiles, { seedOrigin: join(root, 'origin-seed.git'), first: memory }, log)

    // ---- the naive baseline
    const naive = await runNaive(root, dataset, origin, options, log)

    const gitWorkMs = gitWorkWallMs(s3)
    const stats = dataset.stats
    return {
      input: {
        seedFiles: dataset.seed.size,
        entries: dataset.entries.length,
        tenants: new Set(dataset.entries.map((entry) => entry.tenant)).size,
        files: stats.files,
        puts: stats.puts,
        deletes: stats.deletes,
        filesPerEntry: { min: stats.minFiles, max: stats.maxFiles, mean: stats.files / dataset.entries.length },
        contentMb: stats.bytes / 1e6,
        treeVersionsPerCommit: stats.treeVersions / dataset.entries.length,
        treeEntriesPerCommit: stats.treeEntries / dataset.entries.length,
        largestDirectory: stats.largestDirectory,
      },
      setup: { generateMs, seedImportMs, clonesMs, planting, scaleSeedImportMs: scale.seedImportMs, scaleCloneMs: scale.cloneMs },
      s3,
      memory,
      widestDirectory: widest,
      scale: {
        seedFiles: scale.seedFiles,
        small: scale.small,
        run: scale.run,
        ratio: scale.run.wallMs / scale.small.wallMs,
        wallsMs: scale.wallsMs,
        widestDirectory: scale.widestDirectory,
      },
      naive,
      ratios: {
        endToEnd: naive.extrapolatedMs / s3.wallMs,
        engineOnly: naive.extrapolatedMs / memory.wallMs,
        gitWork: naive.perEntryMs / (gitWorkMs / s3.commits),
      },
      checks,
    }
  } finally {
    await host?.dispose()
    await rm(root, { recursive: true, force: true })
  }
}

/** The git work of a sync: fast-import and push, wall time. */
export function gitWorkWallMs(run: SyncRun): number {
  return run.phases.filter((phase) => phase.name === 'plan + fast-import' || phase.name === 'push').reduce((sum, phase) => sum + phase.wallMs, 0)
}

function seedCommit(records: number, files: Iterable<{ path: string; content: string }>) {
  return { ref: 'refs/heads/main', identity: SEED_IDENTITY, at: new Date(Date.now() - 300 * 86_400_000), message: `import ${records} records`, records: files }
}

function* seedRecordsOf(dataset: Dataset): Generator<{ path: string; content: string }> {
  for (const [path, content] of dataset.seed) yield { path, content }
}

/**
 * A clone with the whole history and a cone-mode sparse checkout of `.github` with a sparse index, as the
 * sync workflow checks out (its job sets `index.sparse` before actions/checkout writes the first index; here
 * `--sparse-index` sets it in the clone's config, so the engine's git sees it too).
 */
async function cloneAsTheWorkflowDoes(work: Git, url: string): Promise<void> {
  await work.clone(url, { noCheckout: true })
  await work.run(['sparse-checkout', 'set', '--cone', '--sparse-index', '.github'])
  await work.run(['checkout', '--quiet', 'main'])
}

/** Rounds of the scale comparison: the in-memory run onto the seed counts as the first small one. */
const SCALE_ROUNDS = 2

/**
 * The scale comparison: a second origin holding the dataset's seed and `seedFiles` minus that many more
 * records (generated as one fast-import writes them; no entry touches them), and the engine over the
 * in-memory bucket syncing the same pending entries onto it and, alternately, onto the seed alone, each
 * time from fresh copies of the untouched origins. The least disturbed (fastest) run of each side is
 * compared: a run on a shared machine can only be slowed by other work, never sped up.
 */
async function runScale(
  root: string,
  dataset: Dataset,
  pendingFile: string,
  seedFiles: number,
  small: { seedOrigin: string; first: SyncRun },
  log: (line: string) => void,
) {
  const more = seedFiles - dataset.seed.size
  if (more < 0) throw new RangeError(`the scale run needs at least the ${dataset.seed.size} seed records, got ${seedFiles}`)
  const seedOrigin = new Git(join(root, 'origin-scale-seed.git'))
  try {
    await seedOrigin.init({ bare: true, initialBranch: 'main' })
    log(`scale: seeding a second origin with ${seedFiles} records (the seed and ${more} more, generated while one fast-import runs)`)
    const records = function* () {
      yield* seedRecordsOf(dataset)
      yield* moreSeedRecords({ count: more, beforeMs: dataset.seedStartMs })
    }
    const [seeded, seedImportMs] = await timed(() => importSeed(seedOrigin, seedCommit(seedFiles, records())))
    if (seeded.records !== seedFiles) throw new Error(`scale: imported ${seeded.records} records, expected ${seedFiles}`)
    log(`  seeded in ${(seedImportMs / 1000).toFixed(1)} s`)

    const smallRuns = [small.first]
    const scaleRuns: SyncRun[] = []
    let cloneMs = 0
    let widest: Widest | undefined
    for (let round = 1; round <= SCALE_ROUNDS; round += 1) {
      if (round > 1) smallRuns.push((await syncOnto(root, `small-${round}`, small.seedOrigin, pendingFile, log)).run)
      const onto = await syncOnto(root, `scale-${round}`, seedOrigin.cwd, pendingFile, log, async (origin) => {
        widest ??= await widestDirectory(origin, 'main')
      })
      cloneMs ||= onto.cloneMs
      scaleRuns.push(onto.run)
    }
    log(`  widest directory: ${widest!.entries} entries (${widest!.path || 'the root'})`)
    const fastest = (runs: SyncRun[]) => runs.reduce((a, b) => (b.wallMs < a.wallMs ? b : a))
    return {
      seedFiles,
      seedImportMs,
      cloneMs,
      small: fastest(smallRuns),
      run: fastest(scaleRuns),
      wallsMs: { small: smallRuns.map((run) => run.wallMs), scale: scaleRuns.map((run) => run.wallMs) },
      widestDirectory: widest!,
    }
  } finally {
    await rm(seedOrigin.cwd, { recursive: true, force: true })
  }
}

/**
 * One in-memory sync of the pending entries onto a fresh copy of `seedOrigin` (a local bare clone, its
 * packs hard-linked), checked out as the workflow does; `inspect` sees the origin before it is removed.
 */
async function syncOnto(root: string, name: string, seedOrigin: string, pendingFile: string, log: (line: string) => void, inspect?: (origin: Git) => Promise<void>) {
  const origin = new Git(join(root, `origin-${name}.git`))
  const work = new Git(join(root, `work-${name}`))
  try {
    await origin.clone(seedOrigin, { bare: true })
    const [, cloneMs] = await timed(() => cloneAsTheWorkflowDoes(work, origin.cwd))
    const receiveLog = join(root, `${name}-receive.txt`)
    await timeReceivePack(root, work, receiveLog)
    log(`${name}: sync over an in-memory bucket`)
    const report = await runChild(root, name, { store: 'memory', repo: work.cwd, branch: 'main', pendingFile })
    const run = summarize(report.report, report.time, null, await receiveTime(receiveLog), await treeBytesPerCommit(origin, await entryCommits(origin)))
    log(`  ${run.commits} commits in ${(run.wallMs / 1000).toFixed(1)} s`)
    await inspect?.(origin)
    return { run, cloneMs }
  } finally {
    await Promise.all([rm(origin.cwd, { recursive: true, force: true }), rm(work.cwd, { recursive: true, force: true })])
  }
}

/**
 * The directory of `rev`'s tree with the most entries, counted from git itself: every path `ls-tree`
 * lists (files and directories alike) is one entry of its parent.
 */
export async function widestDirectory(git: Git, rev: string): Promise<Widest> {
  const entries = new Map<string, number>()
  for (const path of (await git.run(['ls-tree', '-r', '-t', '-z', '--name-only', rev])).split('\0')) {
    if (path === '') continue
    const slash = path.lastIndexOf('/')
    const parent = slash < 0 ? '' : path.slice(0, slash)
    entries.set(parent, (entries.get(parent) ?? 0) + 1)
  }
  let widest: Widest = { path: '', entries: 0 }
  for (const [path, count] of entries) if (count > widest.entries) widest = { path, entries: count }
  return widest
}

/** Has every push of `work` time the origin's receive-pack into `logFile` (GitHub's work in production). */
async function timeReceivePack(root: string, work: Git, logFile: string): Promise<void> {
  if (!existsSync('/usr/bin/time')) return
  const wrapper = join(root, 'receive-pack.sh')
  // trace2 events name the children receive-pack runs (index-pack, the connectivity check) and how long each took.
  const script = '#!/bin/sh\nlog="$1"; shift\nGIT_TRACE2_EVENT="$log.events" exec /usr/bin/time -a -o "$log" -f "%e %U %S %M" git receive-pack "$@"\n'
  if (!existsSync(wrapper)) await writeFile(wrapper, script, { mode: 0o755 })
  await work.config('remote.origin.receivepack', `${wrapper} ${logFile}`)
}

/**
 * Plants the pending entries: a sample through S3 PutObject (as the Worker's commit point writes them:
 * create-only, with the summary metadata), a sample through Miniflare's binding proxy, the rest through the
 * host Worker in batches. Each method's rate is reported; the fastest carries the bulk.
 */
async function plant(host: BucketHost, dataset: Dataset, sample: number, log: (line: string) => void) {
  const objects: PlantObject[] = dataset.pending.map(({ key, body, metadata }) => ({ key, body, metadata }))
  const viaS3 = objects.slice(0, sample)
  const viaProxy = objects.slice(sample, 2 * sample)
  const viaWorker = objects.slice(2 * sample)
  const s3 = s3Store(host)
  const [, s3Ms] = await timed(() => forEachLimited(viaS3, 16, (object) => s3.put(object.key, object.body, { condition: { ifAbsent: true }, metadata: object.metadata })))
  s3.destroy()
  const binding = await host.binding()
  const [, proxyMs] = await timed(() => forEachLimited(viaProxy, 16, (object) => binding.put(object.key, object.body, { customMetadata: object.metadata })))
  const [, workerMs] = await timed(() => host.plant(viaWorker, { batch: 500, concurrency: 16 }))
  const rows = [
    { method: 'S3 PutObject, 16 in flight', objects: viaS3.length, ms: s3Ms },
    { method: 'binding proxy (mf.getR2Bucket), 16 in flight', objects: viaProxy.length, ms: proxyMs },
    { method: 'host Worker, 500 per request, 16 puts in flight', objects: viaWorker.length, ms: workerMs },
  ].map((row) => ({ ...row, perSecond: row.objects / (row.ms / 1000) }))
  for (const row of rows) log(`  planted ${row.objects} via ${row.method}: ${row.perSecond.toFixed(0)}/s`)
  return rows
}

async function runChild(
  root: string,
  name: string,
  config: Omit<SyncChildConfig, 'resultFile'>,
): Promise<{ report: SyncChildReport; time: { maxRssKb: number; wallS: number } | null }> {
  const configFile = join(root, `${name}-config.json`)
  const resultFile = join(root, `${name}-result.json`)
  const timeFile = join(root, `${name}-time.txt`)
  await writeFile(configFile, JSON.stringify({ ...config, resultFile }))
  // GNU time reports the peak RSS of the largest process it waited for, git children included.
  const gnuTime = existsSync('/usr/bin/time')
  const command = gnuTime ? '/usr/bin/time' : process.execPath
  const args = gnuTime ? ['-f', '%M %e', '-o', timeFile, process.execPath, CHILD, configFile] : [CHILD, configFile]
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] })
    child.on('error', reject)
    child.on('close', resolve)
  })
  if (code !== 0) throw new Error(`the ${name} sync process exited with ${code}`)
  const report = JSON.parse(await readFile(resultFile, 'utf8')) as SyncChildReport
  let time: { maxRssKb: number; wallS: number } | null = null
  if (gnuTime) {
    const [rss, wall] = (await readFile(timeFile, 'utf8')).trim().split('\n').at(-1)?.split(' ') ?? []
    time = { maxRssKb: Number(rss), wallS: Number(wall) }
  }
  return { report, time }
}

/** The receive-pack runs logged by the wrapper (one per push attempt), summed. */
async function receiveTime(file: string): Promise<SyncRun['origin']> {
  if (!existsSync(file)) return null
  let wallMs = 0
  let cpuMs = 0
  let maxRssMb = 0
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    const match = /^([0-9.]+) ([0-9.]+) ([0-9.]+) ([0-9]+)$/.exec(line.trim())
    if (match === null) continue
    wallMs += Number(match[1]) * 1000
    cpuMs += (Number(match[2]) + Number(match[3])) * 1000
    maxRssMb = Math.max(maxRssMb, Number(match[4]) / 1024)
  }
  const children = existsSync(`${file}.events`) ? await receiveChildren(`${file}.events`) : { indexPackMs: 0, connectivityMs: 0 }
  return { wallMs, cpuMs, maxRssMb, ...children }
}

/** How long receive-pack's index-pack and connectivity-check children ran, from its trace2 event stream. */
async function receiveChildren(eventsFile: string): Promise<{ indexPackMs: number; connectivityMs: number }> {
  const started = new Map<string, string[]>()
  let indexPackMs = 0
  let connectivityMs = 0
  for (const line of (await readFile(eventsFile, 'utf8')).split('\n')) {
    if (line === '') continue
    const event = JSON.parse(line) as { event: string; sid: string; child_id?: number; argv?: string[]; t_rel?: number }
    const child = `${event.sid} ${event.child_id}`
    if (event.event === 'child_start' && event.argv !== undefined) started.set(child, event.argv)
    if (event.event !== 'child_exit' || event.t_rel === undefined) continue
    const argv = started.get(child) ?? []
    if (argv.includes('index-pack') || argv.includes('unpack-objects')) indexPackMs += event.t_rel * 1000
    if (argv.includes('rev-list')) connectivityMs += event.t_rel * 1000
  }
  return { indexPackMs, connectivityMs }
}

/** The commits the sync wrote on `main`: all but the seed (the root commit). */
async function entryCommits(git: Git): Promise<string> {
  const [root] = (await git.run(['rev-list', '--max-parents=0', 'main'])).trim().split('\n')
  return `${root}..main`
}

/**
 * Bytes of the trees git wrote per commit of `range`, read back from git: each commit's root tree and every
 * directory its diff touched (`log --raw -t`), sized by `cat-file`. It is what git hashes and compresses for
 * each commit, and grows with the width of the directories an entry's paths pass through.
 */
export async function treeBytesPerCommit(git: Git, range: string): Promise<number> {
  const log = await git.run(['log', '--format=%x00%T', '--raw', '-r', '-t', '--no-abbrev', '--no-renames', range])
  const trees: string[] = []
  let commits = 0
  for (const line of log.split('\n')) {
    if (line.startsWith('\0')) {
      commits += 1
      trees.push(line.slice(1))
      continue
    }
    // `:<old mode> <new mode> <old oid> <new oid> <status>\t<path>`: a directory still there after the commit
    const raw = /^:\d+ 040000 [0-9a-f]+ ([0-9a-f]+) /.exec(line)
    if (raw !== null) trees.push(raw[1]!)
  }
  if (commits === 0) return 0
  const sizes = await git.run(['cat-file', '--batch-check=%(objectsize)'], { input: `${trees.join('\n')}\n` })
  const bytes = sizes.split('\n').reduce((sum, size) => sum + (size === '' ? 0 : Number(size)), 0)
  return bytes / commits
}

function summarize(report: SyncChildReport, time: { maxRssKb: number; wallS: number } | null, emulator: CpuSampler | null, origin: SyncRun['origin'], treeBytesPerCommit: number): SyncRun {
  const mark = (name: string) => {
    const found = report.marks.find((candidate) => candidate.name === name)
    if (found === undefined) throw new Error(`the sync process did not report ${name}`)
    return found.at
  }
  const start = mark('start')
  const loaded = mark('loaded')
  const imported = mark('imported')
  const pushStart = mark('push-start')
  const pushed = mark('pushed')
  const end = mark('end')
  const { list, get, put } = report.requests
  const listEnd = list.lastEnd ?? start
  const fetchStart = get.firstStart ?? listEnd
  const fetchEnd = get.lastEnd ?? fetchStart
  const markStart = put.firstStart ?? pushed
  const span = (name: string, from: typeof start, to: typeof start, withChildren: boolean): Phase => ({
    name,
    wallMs: to.ms - from.ms,
    engineCpuMs: to.selfCpuMs - from.selfCpuMs,
    gitCpuMs: withChildren && from.childrenCpuMs !== null && to.childrenCpuMs !== null ? to.childrenCpuMs - from.childrenCpuMs : null,
    gitSystemCpuMs: withChildren && from.childrenSystemCpuMs !== null && to.childrenSystemCpuMs !== null ? to.childrenSystemCpuMs - from.childrenSystemCpuMs : null,
    emulatorCpuMs: emulator === null ? null : emulator.between(from.ms, to.ms),
  })
  const phases: Phase[] = [
    span('list pending', start, listEnd, false),
    span('fetch (GET)', fetchStart, fetchEnd, false),
    span('validate', fetchEnd, loaded, false),
    span('plan + fast-import', loaded, imported, true),
    span('push', pushStart, pushed, true),
    span('follow branch', pushed, markStart, false),
    span('mark synced (PUT + DeleteObjects)', markStart, end, false),
  ]
  // follow-branch git CPU: children finished between `pushed` and `end` minus nothing else runs git then.
  const followPhase = phases[5] as Phase
  if (pushed.childrenCpuMs !== null && end.childrenCpuMs !== null) followPhase.gitCpuMs = end.childrenCpuMs - pushed.childrenCpuMs
  if (pushed.childrenSystemCpuMs !== null && end.childrenSystemCpuMs !== null) followPhase.gitSystemCpuMs = end.childrenSystemCpuMs - pushed.childrenSystemCpuMs
  const wallMs = end.ms - start.ms
  const requests = Object.fromEntries(
    Object.entries(report.requests).map(([kind, stats]) => [kind, { calls: stats.calls, requests: stats.requests, keys: stats.keys }]),
  ) as SyncRun['requests']
  return {
    store: report.store,
    wallMs,
    processWallMs: time === null ? null : time.wallS * 1000,
    commits: report.result.commits,
    synced: report.result.synced,
    commitsPerSecond: report.result.commits / (wallMs / 1000),
    engineMaxRssMb: report.maxRssKb / 1024,
    treeMaxRssMb: time === null ? null : time.maxRssKb / 1024,
    requests,
    phases,
    emulatorCpuMs: emulator === null ? null : emulator.between(start.ms, end.ms),
    origin,
    treeBytesPerCommit,
  }
}

/**
 * For each entry: write or remove its files (at their sharded paths, as the engine does), `git add` them, `git commit` (author and date the entry's, the
 * message with the same trailers); after the last, one push. Runs the first `naiveEntries` (or until the time
 * box) and extrapolates.
 */
async function runNaive(root: string, dataset: Dataset, origin: Git, options: SyncBenchOptions, log: (line: string) => void): Promise<SyncBenchResult['naive']> {
  const work = new Git(join(root, 'work-naive'))
  const limit = Math.min(options.naiveEntries, dataset.entries.length)
  log(`naive baseline: write + git add + git commit per entry, up to ${limit} entries or ${options.naiveTimeBoxMs / 1000} s`)
  const started = performance.now()
  let measured = 0
  for (const entry of dataset.entries.slice(0, limit)) {
    if (performance.now() - started > options.naiveTimeBoxMs) break
    const paths = entry.files.map((file) => gitPathOfRecordKey(file.path))
    for (const [index, file] of entry.files.entries()) {
      const path = join(work.cwd, paths[index] as string)
      if (file.op === 'put') {
        await mkdir(dirname(path), { recursive: true })
        await writeFile(path, file.content)
      } else {
        await unlink(path)
      }
    }
    await work.run(['add', '-A', '--', ...paths])
    await work.run(['commit', '--quiet', '--no-verify', `--author=${entry.author.name} <${entry.author.email}>`, `--date=${entry.ts}`, '-m', withTrailers(entry.message, [entry.oid], [entry.tenant])], {
      env: { GIT_COMMITTER_NAME: COMMITTER.name, GIT_COMMITTER_EMAIL: COMMITTER.email },
    })
    measured += 1
  }
  const commitPhaseMs = performance.now() - started
  const [, pushMs] = await timed(() => work.run(['push', '--quiet', 'origin', 'HEAD:refs/heads/main']))
  const perEntryMs = commitPhaseMs / measured
  // The engine's commit for the same entry (the seed commit is first) must carry the same tree.
  const engineCommits = (await origin.run(['rev-list', '--reverse', 'main'])).trim().split('\n')
  const engineTree = (await origin.run(['rev-parse', `${engineCommits[measured]}^{tree}`])).trim()
  const naiveTree = (await work.run(['rev-parse', 'HEAD^{tree}'])).trim()
  const extrapolatedMs = perEntryMs * dataset.entries.length + pushMs
  log(`  ${measured} entries in ${(commitPhaseMs / 1000).toFixed(1)} s (${perEntryMs.toFixed(0)} ms each), push ${(pushMs / 1000).toFixed(1)} s; extrapolated to ${dataset.entries.length}: ${(extrapolatedMs / 1000).toFixed(0)} s`)
  return {
    measuredEntries: measured,
    timeBoxed: measured < limit,
    commitPhaseMs,
    perEntryMs,
    pushMs,
    extrapolatedMs,
    sameTreeAsEngine: engineTree === naiveTree,
  }
}
