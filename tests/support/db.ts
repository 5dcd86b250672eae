/**
 * A fresh, migrated database per test file, cloned from the template that
 * the global setup migrated. Usage:
 *
 *   const t = await useTestDatabase();   // in beforeAll
 *   t.db.select()...                     // drizzle
 *   await t.close();                     // in afterAll
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createDatabase, createPool, type Database } from '#db/client.ts';
import { EMBEDDED_OWNER } from '#db/roles.ts';
import { TEMPLATE_DB, withDatabase } from './global-setup.ts';

export interface TestDatabase {
  /** As the bootstrap superuser (pool and db below use it). */
  url: string;
  /** As the migration owner and as the app role the web server uses (db/roles.ts). */
  ownerUrl: string;
  appUrl: string;
  name: string;
  pool: ReturnType<typeof createPool>;
  db: Database;
  close(): Promise<void>;
}

export async function useTestDatabase(): Promise<TestDatabase> {
  const serverUrl = inject('databaseUrl');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = createPool(serverUrl, { max: 1 });
  // CREATE DATABASE ... TEMPLATE needs the template to have no other sessions.
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB} OWNER ${EMBEDDED_OWNER}`);
  const url = withDatabase(serverUrl, name);
  const pool = createPool(url, { max: 5 });
  return {
    url,
    ownerUrl: withDatabase(inject('ownerUrl'), name),
    appUrl: withDatabase(inject('appUrl'), name),
    name,
    pool,
    db: createDatabase(pool),
    async close() {
      await pool.end();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** A Meilisearch index prefix unique to one test file. */
export function uniqueIndexPrefix(): string {
  return `t${randomBytes(4).toString('hex')}_`;
}
