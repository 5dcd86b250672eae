/**
 * Rebuilds an index without downtime: fills `<name>_tmp` from PostgreSQL,
 * swaps it with the live index, drops the old one. Searches answer from the
 * old index until the swap, which Meilisearch applies atomically. Changes
 * made during the rebuild are queued again so the new index catches up.
 */
import type { Meilisearch } from 'meilisearch';
import type pg from 'pg';
import { BATCHES, loadBatchDocumentPage } from './indexes/batches.ts';
import { indexDefinitions, indexUid } from './indexes/index.ts';
import { LINES, loadLineDocumentPage } from './indexes/lines.ts';
import { ensureIndex } from './settings.ts';

const PAGE = 5_000;

/** How many documents a full reindex will write, by index (what the loaders read): the total of a progress bar. */
export async function countDocuments(pool: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<Record<string, number>>(
    `SELECT (SELECT count(*) FROM lines WHERE status = 'published')::int AS ${LINES},
            (SELECT count(*) FROM batches b JOIN lines l ON l.id = b.line_id WHERE l.status = 'published')::int AS ${BATCHES}`,
  );
  return rows[0]!;
}

export async function reindex(
  deps: { pool: pg.Pool; meili: Meilisearch; prefix?: string },
  onProgress?: (index: string, done: number) => void,
): Promise<Record<string, number>> {
  const prefix = deps.prefix ?? '';
  const counts: Record<string, number> = {};
  for (const def of indexDefinitions) {
    const live = indexUid(prefix, def.name);
    const tmp = `${live}_tmp`;
    await deps.meili.deleteIndex(tmp).waitTask({ timeout: 60_000 });
    await ensureIndex(deps.meili, live, def);
    await ensureIndex(deps.meili, tmp, def);
    const { rows } = await deps.pool.query<{ mark: number }>(
      'SELECT coalesce(max(id), 0)::bigint AS mark FROM search_outbox',
    );
    const mark = Number(rows[0]!.mark);

    const loadPage =
      def.name === LINES ? loadLineDocumentPage : def.name === BATCHES ? loadBatchDocumentPage : undefined;
    if (!loadPage) throw new Error(`no loader for index ${def.name}`);
    let after = 0;
    let done = 0;
    const pending = [];
    for (;;) {
      const docs = await loadPage(deps.pool, after, PAGE);
      if (!docs.length) break;
      pending.push(
        deps.meili.index(tmp).addDocuments(docs as unknown as Record<string, unknown>[], { primaryKey: 'id' }),
      );
      after = docs[docs.length - 1]!.id;
      done += docs.length;
      onProgress?.(def.name, done);
    }
    for (const enqueued of pending) {
      const task = await deps.meili.tasks.waitForTask((await enqueued).taskUid, { timeout: 600_000 });
      if (task.status !== 'succeeded')
        throw new Error(`reindex of ${def.name} failed: ${task.error?.message ?? task.status}`);
    }
    const swap = await deps.meili.swapIndexes([{ indexes: [live, tmp], rename: false }]).waitTask({ timeout: 60_000 });
    if (swap.status !== 'succeeded') throw new Error(`swap of ${live} failed: ${swap.error?.message ?? swap.status}`);
    await deps.meili.deleteIndex(tmp).waitTask({ timeout: 60_000 });
    // Cached pages and answers (platform/page-cache.ts) were computed from the old index.
    await deps.pool.query('UPDATE catalog_version SET version = version + 1, changed_at = now() WHERE id = 1');
    // Whatever changed while the new index was being filled is sent again.
    const type = def.name === LINES ? 'line' : 'batch';
    await deps.pool.query(
      `INSERT INTO search_outbox (entity_type, entity_id, op)
       SELECT DISTINCT entity_type, entity_id, 'upsert' FROM search_outbox WHERE id > $1 AND entity_type = $2`,
      [mark, type],
    );
    counts[def.name] = done;
  }
  return counts;
}
