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
import { TEMPLATE_DB, withDatabase } from './global-setup.ts';

export interface TestDatabase {
  url: string;
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
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
  const url = withDatabase(serverUrl, name);
  const pool = createPool(url, { max: 5 });
  return {
    url,
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
