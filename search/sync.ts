/**
 * Drains the transactional outbox into Meilisearch.
 *
 * The loop and the claim/mark steps are db/outbox.ts, shared with the mail
 * outbox. Claims pending rows, keeps the last operation per entity, re-reads the entities
 * from PostgreSQL, sends documents and deletions, waits for Meilisearch to
 * apply them, and only then marks the rows processed. On failure the rows
 * stay pending with a growing delay: nothing is lost while Meilisearch is down.
 */
import type { Meilisearch } from 'meilisearch';
import type pg from 'pg';
import { claimDue, inOutboxTransaction, markFailed, markProcessed, startOutboxWorker } from '#db/outbox.ts';
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

/** One batch of the outbox. Returns what it did; `claimed: 0` means nothing was due. */
export async function drainOnce(deps: SyncDeps, batchSize = 1_000): Promise<DrainResult> {
  return inOutboxTransaction(deps.pool, async (client) => {
    const result: DrainResult = { claimed: 0, upserted: 0, deleted: 0, failed: false };
    const rows = await claimDue<OutboxRow>(client, 'search_outbox', 'id, entity_type, entity_id, op', batchSize);
    result.claimed = rows.length;
    if (!rows.length) return result;
    // Last operation per entity wins; rows arrive in id (= write) order.
    const last = new Map<string, OutboxRow>();
    for (const row of rows) last.set(`${row.entity_type}:${row.entity_id}`, row);
    const ids = rows.map((r) => Number(r.id));
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
        if (documents.length)
          tasks.push(
            index
              .addDocuments(documents as unknown as Record<string, unknown>[], { primaryKey: 'id' })
              .waitTask({ timeout: 120_000 }),
          );
        if (gone.length) tasks.push(index.deleteDocuments(gone).waitTask({ timeout: 120_000 }));
        for (const task of await Promise.all(tasks)) {
          if (task.status !== 'succeeded') throw new Error(`${task.type} ${task.status}: ${task.error?.message ?? ''}`);
        }
        result.upserted += documents.length;
        result.deleted += gone.length;
      }
      await markProcessed(client, 'search_outbox', ids);
      // What readers see changed: cached pages and answers of every process go stale (platform/page-cache.ts).
      await client.query('UPDATE catalog_version SET version = version + 1, changed_at = now() WHERE id = 1');
    } catch (error) {
      result.failed = true;
      result.error = (error as Error).message;
      await markFailed(client, 'search_outbox', ids, result.error);
    }
    return result;
  });
}

/**
 * Drains until nothing is due (or a batch fails). Bigger batches suit bulk
 * catch-up (start, CLI): Meilisearch indexes one task of 5,000 documents far
 * faster than five of 1,000.
 */
export async function drainAll(
  deps: SyncDeps,
  onBatch?: (r: DrainResult) => void,
  batchSize = 5_000,
): Promise<DrainResult> {
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

/** The worker inside the server process: drains every `intervalMs`; the rows carry their own backoff. */
export function startSyncWorker(deps: SyncDeps, intervalMs = 1_000, log: (line: string) => void = console.error) {
  return startOutboxWorker({ name: 'search', drain: () => drainAll(deps), intervalMs, log });
}
