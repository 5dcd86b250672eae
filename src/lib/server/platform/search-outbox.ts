/**
 * Search updates, through the transactional outbox (db/outbox.ts), the
 * counterpart of `queueMail`: a change queues the documents it touches in its
 * own transaction, so search never misses a committed change and never shows
 * a rolled-back one. The sync worker (search/sync.ts) drains the rows.
 */
import type pg from 'pg';
import type { Executor } from '#db/client.ts';
import { searchOutbox } from '#db/schema/outbox.ts';

/** A search document to refresh (or delete): a line or a batch, by id. */
export interface SearchEntity {
  type: 'line' | 'batch';
  id: number | string;
  op?: 'upsert' | 'delete';
}

/** Writes the entities to the search outbox in the caller's transaction. */
export async function queueSearch(tx: Executor, entities: SearchEntity[]): Promise<void> {
  if (!entities.length) return;
  await tx.insert(searchOutbox).values(entities.map(toRow));
}

/** Many entities in one statement (the importer's bulk path, on a raw client). */
export async function queueSearchBulk(client: pg.ClientBase, entities: SearchEntity[]): Promise<void> {
  if (!entities.length) return;
  const rows = entities.map(toRow);
  await client.query(
    `INSERT INTO search_outbox (entity_type, entity_id, op) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`,
    [rows.map((r) => r.entityType), rows.map((r) => r.entityId), rows.map((r) => r.op)],
  );
}

/** A batch's document and its line's (grades and available vials show on the line). */
export function batchAndLine(batchId: number, lineId: number): SearchEntity[] {
  return [
    { type: 'batch', id: batchId },
    { type: 'line', id: lineId },
  ];
}

function toRow(e: SearchEntity) {
  return { entityType: e.type, entityId: String(e.id), op: e.op ?? ('upsert' as const) };
}
