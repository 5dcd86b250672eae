import { defineConfig } from 'vitest/config';

/**
 * Three projects, all run by `npm test`:
 *   unit         pure code, no servers: `npx vitest run --project unit` answers in seconds
 *   integration  real PostgreSQL and Meilisearch (embedded, started once per run), and the built server
 *   faults       the same servers stopped, killed and slowed on purpose (`npm run test:faults`)
 */
const servers = { globalSetup: ['tests/support/global-setup.ts'] };
const faults = ['tests/integration/faults.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: more workers only contend.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'integration', include: ['tests/integration/**/*.test.ts'], exclude: faults, ...servers },
      },
      { extends: true, test: { name: 'faults', include: faults, ...servers } },
    ],
  },
});
