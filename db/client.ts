/** One pg Pool and its drizzle wrapper per process. */
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema/index.ts';

export type Database = NodePgDatabase<typeof schema> & { $client: pg.Pool };
/** A database handle or an open transaction: services accept either. */
export type Executor = Database | Parameters<Parameters<Database['transaction']>[0]>[0];

export function createPool(url: string, options: pg.PoolConfig = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: 'stem-cell-portal',
    ...options,
  });
  // An idle client losing its server (restart, failover) must not crash the process.
  pool.on('error', (error) => console.error(`[db] idle client error: ${error.message}`));
  // A client checked out of the pool (say, the search worker's transaction
  // waiting on Meilisearch) that loses its server emits 'error' with nobody
  // listening, which ends the process; with this listener its next query
  // fails instead, and the pool discards it on release.
  pool.on('connect', (client) => client.on('error', (error) => console.error(`[db] connection lost: ${error.message}`)));
  return pool;
}

export function createDatabase(pool: pg.Pool): Database {
  return drizzle({ client: pool, schema, casing: 'snake_case' }) as Database;
}

export { schema };
