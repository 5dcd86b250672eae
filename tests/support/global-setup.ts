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
import { EMBEDDED_APP, EMBEDDED_OWNER } from '#db/roles.ts';
import { startEmbeddedMeilisearch } from '#scripts/lib/embedded-meilisearch.ts';
import { startEmbeddedPostgres } from '#scripts/lib/embedded-postgres.ts';

export const TEMPLATE_DB = 'portal_template';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The bootstrap superuser (creates the per-file databases; tests may act as it, as an attacker with the server would). */
    databaseUrl: string;
    /** The migration owner and the app role of db/roles.ts, on the server's default database. */
    ownerUrl: string;
    appUrl: string;
    meiliUrl: string;
    meiliKey: string;
  }
}

export default async function setup(project: TestProject) {
  // Some integration tests run the built server; `npm test` builds first, a lone `vitest` may not have.
  if (!isBuildCurrent(process.cwd())) {
    execFileSync(process.execPath, ['node_modules/astro/bin/astro.mjs', 'build'], {
      stdio: 'ignore',
      env: { ...process.env, NODE_ENV: 'production', ASTRO_TELEMETRY_DISABLED: '1' },
    });
    markBuilt(process.cwd());
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-test-'));
  const [pgServer, meili] = await Promise.all([
    startEmbeddedPostgres({ dataDir }),
    startEmbeddedMeilisearch({ dataDir }),
  ]);

  const admin = createPool(pgServer.url, { max: 1 });
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB}`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB} OWNER ${EMBEDDED_OWNER}`);
  await admin.end();
  // Migrated as the owner, with the app role's grants, like `npm start` does.
  const template = createPool(withDatabase(pgServer.ownerUrl, TEMPLATE_DB), { max: 2 });
  await runMigrations(template, { appRole: EMBEDDED_APP });
  await template.end();

  project.provide('databaseUrl', pgServer.url);
  project.provide('ownerUrl', pgServer.ownerUrl);
  project.provide('appUrl', pgServer.appUrl);
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
