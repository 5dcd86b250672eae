/**
 * The one shape of every transactional outbox (search_outbox, mail_outbox):
 * a change writes a row in its own transaction; a worker claims due rows
 * (FOR UPDATE SKIP LOCKED, so several workers never take the same row),
 * handles them, then marks them processed, or failed with an exponential
 * backoff carried by the row itself. Nothing is lost while a peer is down.
 */
import type pg from 'pg';

export type OutboxTable = 'search_outbox' | 'mail_outbox';

export const MAX_BACKOFF_S = 300;

/** Due rows, oldest first, locked for the caller's transaction. */
export async function claimDue<Row>(
  client: pg.ClientBase,
  table: OutboxTable,
  columns: string,
  batchSize: number,
): Promise<Row[]> {
  const { rows } = await client.query(
    `SELECT ${columns} FROM ${table}
     WHERE processed_at IS NULL AND next_attempt_at <= now()
     ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [batchSize],
  );
  return rows as Row[];
}

export async function markProcessed(client: pg.ClientBase, table: OutboxTable, ids: number[]): Promise<void> {
  if (!ids.length) return;
  await client.query(`UPDATE ${table} SET processed_at = now(), last_error = NULL WHERE id = ANY($1::bigint[])`, [ids]);
}

/** attempts + 1, next attempt after 2, 4, 8 … seconds (at most MAX_BACKOFF_S). */
export async function markFailed(
  client: pg.ClientBase,
  table: OutboxTable,
  ids: number[],
  error: string,
): Promise<void> {
  if (!ids.length) return;
  await client.query(
    `UPDATE ${table} SET attempts = attempts + 1, last_error = $2,
       next_attempt_at = now() + make_interval(secs => least(${MAX_BACKOFF_S}, power(2, attempts + 1)))
     WHERE id = ANY($1::bigint[])`,
    [ids, error.slice(0, 500)],
  );
}

/** Runs `work` in one transaction on a pooled client (claim, handle, mark). */
export async function inOutboxTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

export interface PassResult {
  claimed: number;
  failed: boolean;
  error?: string;
}

/**
 * The worker loop inside a server process: runs `drain` every `intervalMs`
 * (never two at once), logs a failure once until it changes, and never lets
 * an error escape the timer.
 */
export function startOutboxWorker(options: {
  name: string;
  drain: () => Promise<PassResult>;
  intervalMs?: number;
  log?: (line: string) => void;
}) {
  const { name, drain, intervalMs = 1_000, log = console.error } = options;
  let running = false;
  let lastError = '';
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const r = await drain();
      if (r.failed && r.error !== lastError) log(`[${name}] delivery failed, will retry: ${r.error}`);
      lastError = r.failed ? (r.error ?? '') : '';
    } catch (error) {
      const message = (error as Error).message;
      if (message !== lastError) log(`[${name}] worker error: ${message}`);
      lastError = message;
    } finally {
      running = false;
    }
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), runNow: tick };
}
