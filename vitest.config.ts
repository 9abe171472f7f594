import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { configDefaults, defineConfig } from 'vitest/config'

// Two runtimes, one `npm test`: Node for shared/ and action/, workerd for the Worker. A test runs in
// workerd when it lives in one of these folders, in Node otherwise; the bench has its own config.
const WORKERD_TESTS = ['test/worker/**/*.test.ts', 'test/invariants/workerd/**/*.test.ts']
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...WORKERD_TESTS, 'test/bench/workerd/**'],
          environment: 'node',
          testTimeout: 60_000,
        },
      },
      {
        plugins: [
          cloudflareTest({
            main: './worker/index.ts',
            wrangler: { configPath: './wrangler.jsonc' },
            // Two secrets, as during a rotation: tokens signed with either must verify.
            miniflare: { bindings: { AUTH_SECRET: 'test-secret-current,test-secret-previous' } },
          }),
        ],
        test: {
          name: 'workerd',
          include: WORKERD_TESTS,
          testTimeout: 60_000,
        },
      },
    ],
  },
})
