/** One pg Pool and its drizzle wrapper per process. */
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema/index.ts';

export type Database = NodePgDatabase<typeof schema> & { $client: pg.Pool };
/** A database handle or an open transaction: services accept either. */
export type Executor = Database | Parameters<Parameters<Database['transaction']>[0]>[0];

/**
 * Deadlines of a pool that serves people (the web server): no request waits
 * on a hung PostgreSQL (a partition, a stuck disk, stopped processes) longer
 * than `queryMs`. The server stops a statement soon after the client gave up
 * on it, and ends a session left idle inside a transaction.
 */
export interface PoolDeadlines {
  /** Client side: a query without an answer after this fails with "Query read timeout". */
  queryMs: number;
  /** Server side `statement_timeout`. */
  statementMs: number;
  /** Server side `idle_in_transaction_session_timeout`: above the search worker's wait for a Meilisearch task inside one (120 s). */
  idleInTransactionMs: number;
  /** Waiting for a connection (a new one, or a free one of the pool). */
  connectMs: number;
}

export const serverDeadlines: PoolDeadlines = {
  queryMs: 3_000,
  statementMs: 5_000,
  idleInTransactionMs: 150_000,
  connectMs: 3_000,
};
/** CLI tools (imports, reindex, bench seeding) run long statements on purpose; they still never hang forever. */
export const toolDeadlines: PoolDeadlines = {
  queryMs: 600_000,
  statementMs: 600_000,
  idleInTransactionMs: 600_000,
  connectMs: 10_000,
};

export function createPool(url: string, options: pg.PoolConfig & { deadlines?: PoolDeadlines } = {}): pg.Pool {
  const { deadlines = toolDeadlines, ...poolOptions } = options;
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: deadlines.connectMs,
    idleTimeoutMillis: 30_000,
    application_name: 'stem-cell-portal',
    // A peer that vanished without a FIN (partition, crashed host) is noticed by the kernel.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    query_timeout: deadlines.queryMs,
    options: `-c statement_timeout=${deadlines.statementMs} -c idle_in_transaction_session_timeout=${deadlines.idleInTransactionMs}`,
    ...poolOptions,
  });
  // An idle client losing its server (restart, failover) must not crash the process.
  pool.on('error', (error) => console.error(`[db] idle client error: ${error.message}`));
  pool.on('connect', (client) => {
    // A client checked out of the pool (say, the search worker's transaction
    // waiting on Meilisearch) that loses its server emits 'error' with nobody
    // listening, which ends the process; with this listener its next query
    // fails instead, and the pool discards it on release.
    client.on('error', (error) => console.error(`[db] connection lost: ${error.message}`));
    abandonOnTimeout(client);
  });
  return pool;
}

const TIMEOUT = 'Query read timeout';

/**
 * pg's query_timeout answers the caller but leaves the query active on the
 * connection: the next query (a transaction's ROLLBACK, the next borrower of
 * the pool) would queue behind the hung one. Closing the socket fails them at
 * once, and the pool drops the client on release (it is no longer queryable).
 */
function abandonOnTimeout(client: pg.PoolClient) {
  const abandon = (error: unknown) => {
    if ((error as Error | undefined)?.message === TIMEOUT)
      (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
  };
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const last = args.at(-1);
    if (typeof last === 'function') {
      args[args.length - 1] = (error: unknown, result: unknown) => {
        abandon(error);
        (last as (e: unknown, r: unknown) => void)(error, result);
      };
      return query(...args);
    }
    const result = query(...args);
    if (result instanceof Promise) result.catch(abandon);
    return result;
  };
}

export function createDatabase(pool: pg.Pool): Database {
  return drizzle({ client: pool, schema, casing: 'snake_case' }) as Database;
}

export { schema };
