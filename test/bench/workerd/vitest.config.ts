/**
 * The benchmark's Worker part runs inside workerd through the Workers vitest integration, like the Worker's
 * tests, but from its own config so `npm test` never picks it up. `npm run bench` starts it with
 * `BENCH_WORKER_CONFIG` (scale) and `BENCH_WORKER_OUT` (where the measured figures go): each
 * `BENCH_RESULT <json>` line the test logs is caught here, on the Node side, and appended to that file.
 */
import { appendFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const MARKER = 'BENCH_RESULT '

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
      const at = log.indexOf(MARKER)
      if (at < 0) return undefined
      const out = process.env.BENCH_WORKER_OUT
      if (out !== undefined) appendFileSync(out, `${log.slice(at + MARKER.length).trim()}\n`)
      return false
    },
  },
})
