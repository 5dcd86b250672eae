/**
 * Writes validated batch and QC records inside the caller's transaction.
 * A batch is matched by number; its QC rows are replaced as a set when they
 * differ from the set last imported (digest), never silently otherwise.
 *
 * Stock is not import data: a new batch gets its opening balance as ledger
 * movements; an existing batch's counters are never written here (they move
 * with reservations and shipments). A changed stock in the file was refused
 * during validation unless `adjustStock` gives the reason for an `adjusted`
 * movement of the difference in available vials.
 */
import type pg from 'pg';
import type { BatchRecord, QcRecord } from '#schemas/catalog-input.ts';
import { recordAuditBulk, type AuditInput } from '#server/platform/audit.ts';
import { queueSearchBulk } from '#server/platform/search-outbox.ts';
import { appendMovementsBulk, openingBalance, type ImportedStock, type Movement } from '../stock.ts';
import { insertRows, type Column } from './bulk.ts';
import { digestOf } from './digest.ts';
import type { WriteContext, WriteCounts } from './write-lines.ts';

const text = (name: string): Column => ({ name, type: 'text' });
const int = (name: string): Column => ({ name, type: 'int' });

type ExistingBatch = {
  id: number;
  number: string;
  line_id: number;
  record_digest: string;
  qc_digest: string | null;
  imported_stock: ImportedStock | null;
  record: unknown;
};

export function stockOf(b: BatchRecord): ImportedStock {
  return {
    vials_total: b.vials_total,
    vials_available: b.vials_available,
    vials_reserved: b.vials_reserved,
    vials_shipped: b.vials_shipped,
  };
}

export async function writeBatches(
  client: pg.ClientBase,
  batches: BatchRecord[],
  qcByBatch: Map<string, QcRecord[]>,
  ctx: WriteContext & { adjustStock?: string },
): Promise<WriteCounts> {
  const counts: WriteCounts = { inserted: 0, updated: 0, unchanged: 0 };
  const numbers = [...new Set([...batches.map((b) => b.batch_number), ...qcByBatch.keys()])];
  const { rows: existingRows } = await client.query<ExistingBatch>(
    `SELECT id, number, line_id, record_digest, qc_digest, imported_stock,
            jsonb_build_object('batch_number', number, 'type', type, 'grade', grade, 'release_status', release_status,
              'passage', passage, 'production_date', production_date, 'vials_total', vials_total,
              'vials_available', vials_available, 'vials_reserved', vials_reserved, 'vials_shipped', vials_shipped) AS record
     FROM batches WHERE lower(number) = ANY($1::text[])`,
    [numbers.map((n) => n.toLowerCase())],
  );
  const existing = new Map(existingRows.map((r) => [r.number.toLowerCase(), r]));
  const lineIds = await lineIdsByName(
    client,
    batches.map((b) => b.line),
  );

  const touched = new Map<string, number>();
  const audit: AuditInput[] = [];
  const movements: Movement[] = [];
  for (const b of batches) {
    const digest = digestOf(b);
    const old = existing.get(b.batch_number.toLowerCase());
    if (old && old.record_digest === digest) continue;
    const stock = stockOf(b);
    const values = [
      b.batch_number,
      lineIds.get(b.line.toLowerCase()),
      b.type,
      b.passage ?? null,
      b.production_date ?? null,
      b.grade,
      b.release_status,
      b.storage_location ?? null,
      b.demo,
      b.synthetic,
      digest,
      JSON.stringify(stock),
    ];
    if (!old) {
      const { rows } = await client.query<{ id: number }>(
        `INSERT INTO batches (number, line_id, type, passage, production_date, grade, release_status, storage_location,
           demo, synthetic, record_digest, imported_stock)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb) RETURNING id`,
        values,
      );
      const id = rows[0]!.id;
      touched.set(b.batch_number.toLowerCase(), id);
      movements.push(...openingBalance(id, stock, ctx.actor));
      audit.push({ actor: ctx.actor, action: 'batch.created', entityType: 'batch', entityId: id, after: b });
      counts.inserted++;
    } else {
      await client.query(
        `UPDATE batches SET number = $1, line_id = $2, type = $3, passage = $4, production_date = $5, grade = $6,
           release_status = $7, storage_location = $8, demo = $9, synthetic = $10, record_digest = $11, imported_stock = $12::jsonb,
           entry_version = entry_version + 1, updated_at = now()
         WHERE id = $13`,
        [...values, old.id],
      );
      // Validation refused a changed stock without --adjust-stock; with it, the difference is one movement.
      const delta = stock.vials_available - (old.imported_stock?.vials_available ?? stock.vials_available);
      if (delta !== 0 && ctx.adjustStock)
        movements.push({
          batchId: old.id,
          kind: 'adjusted',
          quantity: delta,
          actor: ctx.actor,
          reason: ctx.adjustStock,
        });
      touched.set(b.batch_number.toLowerCase(), old.id);
      audit.push({
        actor: ctx.actor,
        action: 'batch.updated',
        entityType: 'batch',
        entityId: old.id,
        before: old.record,
        after: b,
        reason: delta !== 0 ? (ctx.adjustStock ?? null) : null,
      });
      counts.updated++;
    }
  }
  await appendMovementsBulk(client, movements);
  counts.unchanged = batches.length - counts.inserted - counts.updated;

  // Parent batches by number, once all batches of the file exist.
  const withParent = batches.filter((b) => b.parent_batch);
  if (withParent.length) {
    await client.query(
      `UPDATE batches c SET parent_batch_id = p.id FROM unnest($1::text[], $2::text[]) AS u(child, parent)
       JOIN batches p ON lower(p.number) = lower(u.parent) WHERE lower(c.number) = lower(u.child)`,
      [withParent.map((b) => b.batch_number), withParent.map((b) => b.parent_batch)],
    );
  }

  for (const [number, results] of qcByBatch) {
    const key = number.toLowerCase();
    const id = touched.get(key) ?? existing.get(key)?.id;
    if (id === undefined) continue; // validation guarantees the batch exists
    const digest = digestOf(results);
    if (existing.get(key)?.qc_digest === digest) continue;
    const { rows: before } = await client.query(
      'SELECT test, method, specification, result, outcome, tested_on, tested_by, reviewed_by FROM qc_results WHERE batch_id = $1 ORDER BY position',
      [id],
    );
    await client.query('DELETE FROM qc_results WHERE batch_id = $1', [id]);
    await insertRows(
      client,
      'qc_results',
      [
        int('batch_id'),
        text('test'),
        text('method'),
        text('specification'),
        text('result'),
        text('outcome'),
        { name: 'tested_on', type: 'date' },
        text('tested_by'),
        text('reviewed_by'),
        int('position'),
      ],
      results.map((q, i) => [
        id,
        q.test,
        q.method ?? null,
        q.specification ?? null,
        q.result,
        q.outcome,
        q.tested_on ?? null,
        q.tested_by ?? null,
        q.reviewed_by ?? null,
        i,
      ]),
    );
    await client.query(
      'UPDATE batches SET qc_digest = $1, entry_version = entry_version + CASE WHEN $3 THEN 1 ELSE 0 END, updated_at = now() WHERE id = $2',
      [digest, id, !touched.has(key)],
    );
    audit.push({
      actor: ctx.actor,
      action: 'batch.qc_recorded',
      entityType: 'batch',
      entityId: id,
      before: before.length ? before : null,
      after: { batch_number: number, qc: results },
    });
    touched.set(key, id);
    if (!batches.some((b) => b.batch_number.toLowerCase() === key)) counts.updated++;
  }

  await recordAuditBulk(client, audit);
  if (touched.size) {
    // A batch changes its line's search document too (grades, available vials).
    const { rows } = await client.query<{ line_id: number }>(
      'SELECT DISTINCT line_id FROM batches WHERE id = ANY($1::int[])',
      [[...touched.values()]],
    );
    await queueSearchBulk(client, [
      ...[...touched.values()].map((id) => ({ type: 'batch' as const, id })),
      ...rows.map((r) => ({ type: 'line' as const, id: r.line_id })),
    ]);
  }
  ctx.onProgress?.(batches.length + qcByBatch.size);
  return counts;
}

export async function lineIdsByName(client: pg.ClientBase, names: string[]): Promise<Map<string, number>> {
  const { rows } = await client.query<{ id: number; key: string }>(
    'SELECT id, lower(name) AS key FROM lines WHERE lower(name) = ANY($1::text[])',
    [[...new Set(names.map((n) => n.toLowerCase()))]],
  );
  return new Map(rows.map((r) => [r.key, r.id]));
}

export async function existingBatchNumbers(client: pg.ClientBase, numbers: string[]): Promise<Set<string>> {
  const { rows } = await client.query<{ key: string }>(
    'SELECT lower(number) AS key FROM batches WHERE lower(number) = ANY($1::text[])',
    [[...new Set(numbers.map((n) => n.toLowerCase()))]],
  );
  return new Set(rows.map((r) => r.key));
}
