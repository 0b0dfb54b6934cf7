/**
 * Three projects: `node` (shared, signer, scripts: plain Node 22), `workers` (the edge, inside workerd
 * through @cloudflare/vitest-plugin, talking to a real redis-server, Upstash bridge and mTLS signer that
 * test/global-setup.ts starts on loopback) and `browser` (the web client in Debian's Chromium against the
 * whole local stack). The web client is built first: wrangler.toml's [assets] directory must exist.
 */
import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'
import { buildWeb } from './scripts/build-web.ts'
import { workersProject } from './test/support/workers-project.ts'

buildWeb()

export default defineConfig({
  test: {
    // Two cores: modest parallelism keeps timing-sensitive suites honest.
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: 'node',
          include: [
            'test/shared/**/*.test.ts',
            'test/signer/**/*.test.ts',
            'test/scripts/**/*.test.ts',
            'test/stand-ins/**/*.test.ts',
            'test/defi/**/*.test.ts',
            'test/attestation/**/*.test.ts',
            'test/deploy/**/*.test.ts',
          ],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        plugins: [cloudflareTest(workersProject)],
        test: {
          name: 'workers',
          include: ['test/edge/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          setupFiles: ['test/edge/support/apply-migrations.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          // One Chromium and one whole stack per file; files run one at a time next to the other projects.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Issue 9: `npm run test:reliability` only (`npm test` excludes it). Whole stacks on loopback under
        // load and failure, one file at a time so they do not compete for the two cores.
        test: {
          name: 'reliability',
          include: ['test/reliability/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
})
