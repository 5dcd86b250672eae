/**
 * `npm test`: every test, in the order a failure is cheapest to find.
 *   0. biome ci (formatting and lint; `npm run format` fixes what it can)
 *   1. astro check (types of .ts, .astro and .svelte)
 *   2. astro build (the bundle the integration and e2e tests run)
 *   3. Vitest: unit and integration tests against real PostgreSQL and Meilisearch
 *   4. Playwright: end-to-end tests in Chromium
 * Extra arguments are passed to neither; run `npx vitest` or `npx playwright test` for that.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { markBuilt } from './lib/build-stamp.ts';
import { bold, fail, green } from './lib/log.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name: string) => path.join(root, 'node_modules/.bin', name);
const env = { ...process.env, ASTRO_TELEMETRY_DISABLED: '1', CI: process.env.CI ?? '1' };

function step(title: string, command: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  console.log(`\n${bold(`▶ ${title}`)}`);
  const t0 = performance.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...env, ...extraEnv } });
  if (result.status !== 0) throw new Error(`${title} failed (exit ${result.status ?? result.signal})`);
  console.log(green(`✓ ${title} (${((performance.now() - t0) / 1000).toFixed(1)} s)`));
}

function findChromium(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
    Boolean,
  ) as string[];
  const found = candidates.find((p) => existsSync(p));
  if (found) return found;
  const root = os.userInfo().uid === 0;
  const apt = spawnSync('which', ['apt-get']).status === 0;
  if (root && apt) {
    console.log(bold('▶ installing Debian chromium for the end-to-end tests'));
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    const install = spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (update.status === 0 && install.status === 0 && existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  }
  fail('Chromium not found: install it (sudo apt-get install chromium) or set CHROMIUM_PATH to its binary');
}

const chromium = findChromium();
const e2eDataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-e2e-'));
try {
  step('format and lint (biome ci)', bin('biome'), ['ci', '.']);
  step('type check (astro check)', bin('astro'), ['check', '--minimumFailingSeverity', 'warning']);
  // The same bundle `npm start` builds: production mode, whatever NODE_ENV the shell has.
  step('build', bin('astro'), ['build'], { NODE_ENV: 'production' });
  markBuilt(root);
  step('unit and integration tests (vitest)', bin('vitest'), ['run']);
  step('end-to-end tests (playwright, chromium)', bin('playwright'), ['test'], {
    CHROMIUM_PATH: chromium,
    E2E_DATA_DIR: e2eDataDir,
  });
  console.log(green(bold('\nAll tests passed.')));
} catch (error) {
  process.exitCode = 1;
  console.error(`error: ${(error as Error).message}`);
} finally {
  rmSync(e2eDataDir, { recursive: true, force: true });
}
