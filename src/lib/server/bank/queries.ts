/** Reads of the bank's records for the staff pages (staff only: positions and donor codes). */
import { asc, desc, eq, inArray, or, sql } from 'drizzle-orm';
import type { Executor } from '#db/client.ts';
import {
  bankDeviations,
  bankReceipts,
  bankTestItems,
  destructions,
  intakeTests,
  releaseTests,
} from '#db/schema/bank.ts';
import { batchTimeline, retentionUntil } from './trace.ts';

export async function listBankBatches(db: Executor) {
  const r = await db.execute<{
    id: number;
    number: string;
    line: string;
    release_status: string;
    vials_total: number;
    vials_available: number;
    unplaced: number;
    open_deviations: number;
  }>(sql`
    SELECT b.id, b.number, l.name AS line, b.release_status, b.vials_total, b.vials_available,
      (SELECT count(*)::int FROM vials v WHERE v.batch_id = b.id AND v.state = 'in_bank' AND v.box_id IS NULL) AS unplaced,
      (SELECT count(*)::int FROM bank_deviations d WHERE d.batch_id = b.id AND d.closed_at IS NULL) AS open_deviations
    FROM batches b JOIN lines l ON l.id = b.line_id WHERE b.qc_source = 'bank' ORDER BY b.created_at DESC, b.id DESC LIMIT 500`);
  return r.rows;
}

/** Everything the bank record page shows of one batch. */
export async function bankRecordOf(db: Executor, number: string) {
  const found = await db.execute<{
    id: number;
    number: string;
    line: string;
    category: string;
    release_status: string;
    qc_source: string;
    production_date: string | null;
    vials_total: number;
    vials_available: number;
    vials_reserved: number;
    vials_shipped: number;
    donor: string | null;
  }>(sql`
    SELECT b.id, b.number, l.name AS line, l.category, b.release_status, b.qc_source, b.production_date::text, b.vials_total, b.vials_available, b.vials_reserved, b.vials_shipped, d.code AS donor
    FROM batches b JOIN lines l ON l.id = b.line_id LEFT JOIN donors d ON d.id = l.donor_id WHERE lower(b.number) = lower(${number})`);
  const batch = found.rows[0];
  if (!batch) return undefined;
  const [receipts, intake, release, deviations, destroyed, vialRows, timeline] = await Promise.all([
    db.select().from(bankReceipts).where(eq(bankReceipts.batchId, batch.id)).orderBy(asc(bankReceipts.id)),
    db.select().from(intakeTests).where(eq(intakeTests.batchId, batch.id)).orderBy(asc(intakeTests.id)),
    db.select().from(releaseTests).where(eq(releaseTests.batchId, batch.id)).orderBy(asc(releaseTests.id)),
    db.select().from(bankDeviations).where(eq(bankDeviations.batchId, batch.id)).orderBy(desc(bankDeviations.id)),
    db.select().from(destructions).where(eq(destructions.batchId, batch.id)).orderBy(asc(destructions.id)),
    db.execute<{
      id: number;
      label: string;
      state: string;
      unit: string | null;
      rack: string | null;
      box: string | null;
      box_id: number | null;
      row: number | null;
      col: number | null;
      request_id: number | null;
    }>(sql`
      SELECT v.id, v.label, v.state, u.code AS unit, k.code AS rack, x.code AS box, v.box_id, v.row, v.col, v.request_id
      FROM vials v LEFT JOIN storage_boxes x ON x.id = v.box_id LEFT JOIN storage_racks k ON k.id = x.rack_id LEFT JOIN storage_units u ON u.id = k.unit_id
      WHERE v.batch_id = ${batch.id} ORDER BY v.id`),
    batchTimeline(db, batch.id),
  ]);
  const testIds = [...intake.map((i) => i.id), ...release.map((r) => r.id)];
  const items = testIds.length
    ? await db
        .select()
        .from(bankTestItems)
        .where(
          or(
            inArray(bankTestItems.intakeTestId, intake.length ? intake.map((i) => i.id) : [0]),
            inArray(bankTestItems.releaseTestId, release.length ? release.map((r) => r.id) : [0]),
          ),
        )
        .orderBy(asc(bankTestItems.position))
    : [];
  return {
    batch,
    receipts,
    intake,
    release,
    items,
    deviations,
    destroyed,
    vials: vialRows.rows,
    timeline,
    retention: retentionUntil(timeline),
  };
}

/** Boxes to choose from in forms: id and place. */
export async function boxChoices(db: Executor) {
  const r = await db.execute<{ id: number; name: string; free: number }>(sql`
    SELECT b.id, u.code || ' / ' || r.code || ' / ' || b.code AS name, b.rows * b.cols - (SELECT count(*)::int FROM vials v WHERE v.box_id = b.id) AS free
    FROM storage_boxes b JOIN storage_racks r ON r.id = b.rack_id JOIN storage_units u ON u.id = r.unit_id ORDER BY u.code, r.code, b.code`);
  return r.rows;
}
