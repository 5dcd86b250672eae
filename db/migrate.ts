/** Applies the committed SQL migrations in db/migrations. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type pg from 'pg';
import { createDatabase } from './client.ts';
import { grantAppRole } from './roles.ts';

export const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Arbitrary but fixed: several portal processes starting at once migrate one at a time. */
const MIGRATION_LOCK = 727_001;

/**
 * Migrates as the owner role. With `appRole` (the web server's role, when it
 * is not the owner) its grants are stated again afterwards (db/roles.ts), so
 * a table a migration just made append-only is append-only for it at once.
 */
export async function runMigrations(pool: pg.Pool, options: { appRole?: string } = {}): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await migrate(createDatabase(pool), { migrationsFolder });
    if (options.appRole) await grantAppRole(client, options.appRole);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
}
