/**
 * The benchmark's Worker part runs inside workerd through the Workers vitest integration, like the Worker's
 * tests, but from its own config so `npm test` never picks it up. `npm run bench` starts it with
 * `BENCH_WORKER_CONFIG` (scale) and `BENCH_WORKER_OUT` (where the measured figures go): each
 * `BENCH_RESULT <json>` line the test logs is caught here, on the Node side, and appended to that file.
 * With `--inspect=<port>` and `BENCH_INSPECTOR_PORT`, `BENCH_HEAP` lines drive the heap sampler (heap-sampler.ts).
 */
import { appendFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'
import { HeapSampler } from './heap-sampler.ts'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const MARKER = 'BENCH_RESULT '
const HEAP_MARKER = 'BENCH_HEAP '
const inspectorPort = process.env.BENCH_INSPECTOR_PORT
const heap = inspectorPort === undefined ? undefined : new HeapSampler(Number(inspectorPort))

export default defineConfig({
  root,
  plugins: [
    cloudflareTest({
      main: './worker/index.ts',
      wrangler: { configPath: './wrangler.jsonc' },
      miniflare: { bindings: { AUTH_SECRET: 'bench-secret', BENCH_CONFIG: process.env.BENCH_WORKER_CONFIG ?? '{}' } },
    }),
  ],
  test: {
    name: 'bench-workerd',
    include: ['test/bench/workerd/**/*.bench-test.ts'],
    testTimeout: 20 * 60_000,
    hookTimeout: 20 * 60_000,
    onConsoleLog(log) {
      const heapAt = log.indexOf(HEAP_MARKER)
      if (heapAt >= 0) {
        heap?.handle(log.slice(heapAt + HEAP_MARKER.length))
        return false
      }
      const at = log.indexOf(MARKER)
      if (at < 0) return undefined
      const out = process.env.BENCH_WORKER_OUT
      if (out !== undefined) appendFileSync(out, `${log.slice(at + MARKER.length).trim()}\n`)
      return false
    },
  },
})
