import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

// Two runtimes, one `npm test`: Node for shared/ and action/, workerd for the Worker.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/unit/**/*.test.ts', 'test/action/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/invariants/node/**/*.test.ts', 'test/simulation/**/*.test.ts'],
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
          include: ['test/worker/**/*.test.ts', 'test/invariants/workerd/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
    ],
  },
})
