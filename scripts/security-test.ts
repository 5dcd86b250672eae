/**
 * `npm run test:security`: the attacks of issue 16 against the built portal
 * (tests/integration/security-probe.test.ts, on real PostgreSQL and
 * Meilisearch): hostile bodies, many-address lockout, HEAD against the
 * budgets, and random posts to every action looking for a 5xx. Prints what it
 * tried and how many of each status came back. `npm test` runs it too (it is
 * one of the integration tests); this runs it alone.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const started = performance.now();
const result = spawnSync(
  path.join(root, 'node_modules/.bin/vitest'),
  ['run', 'tests/integration/security-probe.test.ts', ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' },
  },
);
console.log(
  `security probe: ${result.status === 0 ? 'passed' : 'FAILED'} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
process.exitCode = result.status ?? 1;
