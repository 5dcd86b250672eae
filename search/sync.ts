/**
 * Drains the transactional outbox into Meilisearch.
 *
 * Claims pending rows (FOR UPDATE SKIP LOCKED, so several workers never take
 * the same rows), keeps the last operation per entity, re-reads the entities
 * from PostgreSQL, sends documents and deletions, waits for Meilisearch to
 * apply them, and only then marks the rows processed. On failure the rows
 * stay pending with a growing delay: nothing is lost while Meilisearch is down.
 */
import type { Meilisearch } from 'meilisearch';
import type pg from 'pg';
import { BATCHES, loadBatchDocuments } from './indexes/batches.ts';
import { indexUid } from './indexes/index.ts';
import { LINES, loadLineDocuments } from './indexes/lines.ts';

export interface SyncDeps {
  pool: pg.Pool;
  meili: Meilisearch;
  prefix?: string;
}

export interface DrainResult {
  claimed: number;
  upserted: number;
  deleted: number;
  failed: boolean;
  error?: string;
}

type OutboxRow = { id: number; entity_type: 'line' | 'batch'; entity_id: string; op: 'upsert' | 'delete' };

const MAX_BACKOFF_S = 300;

/** One batch of the outbox. Returns what it did; `claimed: 0` means nothing was due. */
export async function drainOnce(deps: SyncDeps, batchSize = 1_000): Promise<DrainResult> {
  const client = await deps.pool.connect();
  const result: DrainResult = { claimed: 0, upserted: 0, deleted: 0, failed: false };
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<OutboxRow>(
      `SELECT id, entity_type, entity_id, op FROM search_outbox
       WHERE processed_at IS NULL AND next_attempt_at <= now()
       ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [batchSize],
    );
    result.claimed = rows.length;
    if (!rows.length) {
      await client.query('COMMIT');
      return result;
    }
    // Last operation per entity wins; rows arrive in id (= write) order.
    const last = new Map<string, OutboxRow>();
    for (const row of rows) last.set(`${row.entity_type}:${row.entity_id}`, row);
    const ids = rows.map((r) => r.id);
    try {
      for (const [type, name, load] of [
        ['line', LINES, loadLineDocuments],
        ['batch', BATCHES, loadBatchDocuments],
      ] as const) {
        const entities = [...last.values()].filter((r) => r.entity_type === type);
        if (!entities.length) continue;
        const upsertIds = entities.filter((r) => r.op === 'upsert').map((r) => Number(r.entity_id));
        const deleteIds = entities.filter((r) => r.op === 'delete').map((r) => Number(r.entity_id));
        const { documents, removed } = await load(client, upsertIds);
        const index = deps.meili.index(indexUid(deps.prefix ?? '', name));
        const gone = [...deleteIds, ...removed];
        const tasks = [];
        if (documents.length) tasks.push(index.addDocuments(documents as unknown as Record<string, unknown>[], { primaryKey: 'id' }).waitTask({ timeout: 120_000 }));
        if (gone.length) tasks.push(index.deleteDocuments(gone).waitTask({ timeout: 120_000 }));
        for (const task of await Promise.all(tasks)) {
          if (task.status !== 'succeeded') throw new Error(`${task.type} ${task.status}: ${task.error?.message ?? ''}`);
        }
        result.upserted += documents.length;
        result.deleted += gone.length;
      }
      await client.query('UPDATE search_outbox SET processed_at = now(), last_error = NULL WHERE id = ANY($1::bigint[])', [ids]);
    } catch (error) {
      result.failed = true;
      result.error = (error as Error).message;
      await client.query(
        `UPDATE search_outbox SET attempts = attempts + 1, last_error = $2,
           next_attempt_at = now() + make_interval(secs => least(${MAX_BACKOFF_S}, power(2, attempts + 1)))
         WHERE id = ANY($1::bigint[])`,
        [ids, result.error.slice(0, 500)],
      );
    }
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Drains until nothing is due (or a batch fails). Bigger batches suit bulk
 * catch-up (start, CLI): Meilisearch indexes one task of 5,000 documents far
 * faster than five of 1,000.
 */
export async function drainAll(deps: SyncDeps, onBatch?: (r: DrainResult) => void, batchSize = 5_000): Promise<DrainResult> {
  const total: DrainResult = { claimed: 0, upserted: 0, deleted: 0, failed: false };
  for (;;) {
    const r = await drainOnce(deps, batchSize);
    onBatch?.(r);
    total.claimed += r.claimed;
    total.upserted += r.upserted;
    total.deleted += r.deleted;
    if (r.failed) return { ...total, failed: true, error: r.error };
    if (r.claimed === 0) return total;
  }
}

export async function pendingOutbox(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM search_outbox WHERE processed_at IS NULL');
  return rows[0].n;
}

/**
 * The worker inside the server process: drains every `intervalMs`, backs off
 * while Meilisearch is down (the outbox rows carry their own next attempt).
 */
export function startSyncWorker(deps: SyncDeps, intervalMs = 1_000, log: (line: string) => void = console.error) {
  let running = false;
  let lastError = '';
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      const r = await drainAll(deps);
      if (r.failed && r.error !== lastError) log(`[search] sync failed, will retry: ${r.error}`);
      lastError = r.failed ? (r.error ?? '') : '';
    } catch (error) {
      const message = (error as Error).message;
      if (message !== lastError) log(`[search] sync error: ${message}`);
      lastError = message;
    } finally {
      running = false;
    }
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
