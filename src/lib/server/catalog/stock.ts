/**
 * Stock moves only through the ledger (db/schema/stock.ts). A movement is
 * appended in the caller's transaction; the database applies it to the
 * batch's counters (trigger) and refuses one that would oversell (CHECK), and
 * the batch and its line go to the search outbox, so availability in search
 * follows the stock.
 */
import { sql } from 'drizzle-orm';
import type pg from 'pg';
import type { Executor } from '#db/client.ts';
import type { MovementKind } from '#db/schema/stock.ts';
import { batchAndLine, queueSearch } from '#server/platform/search-outbox.ts';

export interface Movement {
  batchId: number;
  kind: MovementKind;
  quantity: number;
  requestId?: number | null;
  actor: string;
  reason?: string | null;
}

export interface BatchStock {
  id: number;
  number: string;
  lineId: number;
  total: number;
  available: number;
  reserved: number;
  shipped: number;
}

export type MoveResult =
  | { ok: true; stock: BatchStock }
  | { ok: false; reason: 'no_batch' }
  | { ok: false; reason: 'insufficient'; stock: BatchStock };

/** Needs of each kind: how many vials must be in which counter before it applies. */
const source: Partial<Record<MovementKind, keyof Pick<BatchStock, 'available' | 'reserved' | 'shipped'>>> = {
  reserved: 'available',
  unreserved: 'reserved',
  shipped: 'reserved',
  returned: 'shipped',
};

/**
 * Locks the batch row (so concurrent movements of one batch queue up), checks
 * that the vials are there, appends the movement and queues the search update.
 */
export async function moveStock(tx: Executor, m: Movement): Promise<MoveResult> {
  const locked = await tx.execute<{
    id: number;
    number: string;
    line_id: number;
    vials_total: number;
    vials_available: number;
    vials_reserved: number;
    vials_shipped: number;
  }>(
    sql`SELECT id, number, line_id, vials_total, vials_available, vials_reserved, vials_shipped FROM batches WHERE id = ${m.batchId} FOR UPDATE`,
  );
  const row = locked.rows[0];
  if (!row) return { ok: false, reason: 'no_batch' };
  const before: BatchStock = {
    id: row.id,
    number: row.number,
    lineId: row.line_id,
    total: row.vials_total,
    available: row.vials_available,
    reserved: row.vials_reserved,
    shipped: row.vials_shipped,
  };
  const from = source[m.kind];
  if ((from && before[from] < m.quantity) || (m.kind === 'adjusted' && before.available + m.quantity < 0))
    return { ok: false, reason: 'insufficient', stock: before };
  await tx.execute(
    sql`INSERT INTO stock_movements (batch_id, kind, quantity, request_id, actor, reason) VALUES (${m.batchId}, ${m.kind}, ${m.quantity}, ${m.requestId ?? null}, ${m.actor}, ${m.reason ?? null})`,
  );
  await queueStockSearchUpdate(tx, before.id, before.lineId);
  const after = await tx.execute<{
    vials_total: number;
    vials_available: number;
    vials_reserved: number;
    vials_shipped: number;
  }>(sql`SELECT vials_total, vials_available, vials_reserved, vials_shipped FROM batches WHERE id = ${m.batchId}`);
  const a = after.rows[0]!;
  return {
    ok: true,
    stock: {
      ...before,
      total: a.vials_total,
      available: a.vials_available,
      reserved: a.vials_reserved,
      shipped: a.vials_shipped,
    },
  };
}

async function queueStockSearchUpdate(tx: Executor, batchId: number, lineId: number) {
  await queueSearch(tx, batchAndLine(batchId, lineId));
}

/** Many movements in one statement (the importer's opening balances); the caller queues search updates. */
export async function appendMovementsBulk(client: pg.ClientBase, movements: Movement[]): Promise<void> {
  if (!movements.length) return;
  await client.query(
    `INSERT INTO stock_movements (batch_id, kind, quantity, request_id, actor, reason)
     SELECT * FROM unnest($1::int[], $2::text[], $3::int[], $4::bigint[], $5::text[], $6::text[])`,
    [
      movements.map((m) => m.batchId),
      movements.map((m) => m.kind),
      movements.map((m) => m.quantity),
      movements.map((m) => m.requestId ?? null),
      movements.map((m) => m.actor),
      movements.map((m) => m.reason ?? null),
    ],
  );
}

export interface ImportedStock {
  vials_total: number;
  vials_available: number;
  vials_reserved: number;
  vials_shipped: number;
}

/** The movements that give a new batch the stock an import file states (its opening balance). */
export function openingBalance(batchId: number, stock: ImportedStock, actor: string): Movement[] {
  const reason = 'opening balance (import)';
  const out: Movement[] = [];
  const inUse = stock.vials_reserved + stock.vials_shipped;
  const gap = stock.vials_total - stock.vials_available - inUse;
  if (stock.vials_total > 0) out.push({ batchId, kind: 'received', quantity: stock.vials_total, actor, reason });
  if (inUse > 0) out.push({ batchId, kind: 'reserved', quantity: inUse, actor, reason });
  if (stock.vials_shipped > 0) out.push({ batchId, kind: 'shipped', quantity: stock.vials_shipped, actor, reason });
  if (gap > 0) out.push({ batchId, kind: 'adjusted', quantity: -gap, actor, reason: `${reason}: vials not in stock` });
  return out;
}
