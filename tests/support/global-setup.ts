/**
 * Starts a real PostgreSQL and a real Meilisearch for the whole Vitest run,
 * on free ports, in a temporary data directory removed afterwards. Migrations
 * are applied once to a template database; each test file clones it
 * (tests/support/db.ts), so files never see each other's rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { isBuildCurrent, markBuilt } from '#scripts/lib/build-stamp.ts';
import { createPool } from '#db/client.ts';
import { runMigrations } from '#db/migrate.ts';
import { startEmbeddedMeilisearch } from '#scripts/lib/embedded-meilisearch.ts';
import { startEmbeddedPostgres } from '#scripts/lib/embedded-postgres.ts';

export const TEMPLATE_DB = 'portal_template';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    meiliUrl: string;
    meiliKey: string;
  }
}

export default async function setup(project: TestProject) {
  // Some integration tests run the built server; `npm test` builds first, a lone `vitest` may not have.
  if (!isBuildCurrent(process.cwd())) {
    execFileSync(process.execPath, ['node_modules/astro/bin/astro.mjs', 'build'], { stdio: 'ignore', env: { ...process.env, NODE_ENV: 'production', ASTRO_TELEMETRY_DISABLED: '1' } });
    markBuilt(process.cwd());
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-test-'));
  const [pgServer, meili] = await Promise.all([
    startEmbeddedPostgres({ dataDir }),
    startEmbeddedMeilisearch({ dataDir }),
  ]);

  const admin = createPool(pgServer.url, { max: 1 });
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB}`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  await admin.end();
  const templateUrl = withDatabase(pgServer.url, TEMPLATE_DB);
  const template = createPool(templateUrl, { max: 2 });
  await runMigrations(template);
  await template.end();

  project.provide('databaseUrl', pgServer.url);
  project.provide('meiliUrl', meili.url);
  project.provide('meiliKey', meili.masterKey);

  return async () => {
    await meili.stop();
    await pgServer.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
