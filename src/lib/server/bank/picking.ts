/**
 * The outbound's pick list and label check. The vials a request holds (from
 * the ledger: requests/reservations.ts `heldByRequest`) are assigned to positions
 * in the bank, first expiring first (earliest production date, then earliest
 * receipt) or as staff chose; the operator gets the list (unit, rack, box,
 * position) and scans each vial's label (camera or USB scanner). A label not
 * on the list is refused and recorded; `assertPickConfirmed` is what the
 * outbound sign-off calls, in its transaction, before anything is signed.
 * Batches imported without vial records (qc_source = 'imported') have
 * nothing to pick and nothing to confirm.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Database, Executor } from '#db/client.ts';
import { pickScans, vialPicks, vials } from '#db/schema/bank.ts';
import { fail, ok, transact, type Caller, type Result } from '#server/requests/core.ts';
import { heldByRequest } from '#server/requests/reservations.ts';

export { markPickedVialsShipped, unpickVials } from './vial-moves.ts';

export interface PickLine {
  vialId: number;
  label: string;
  batch: string;
  unit: string | null;
  unitKind: string | null;
  rack: string | null;
  box: string | null;
  row: number | null;
  col: number | null;
  scanned: boolean;
}

export interface PickList {
  requestId: number;
  lines: PickLine[];
  /** Vials the request holds of bank batches that no vial record covers (not enough stored vials). */
  short: { batch: string; missing: number }[];
}

/** A position as people read it on a box: row letter and column number (B7). */
export function positionName(row: number | null, col: number | null): string {
  return row && col ? `${String.fromCharCode(64 + row)}${col}` : '';
}

/**
 * The request's pick list: assigns vials to it when it holds more than are
 * picked (first expiring, or the `chosen` labels first), then reads it.
 */
export async function pickListFor(
  db: Database,
  requestId: number,
  options: { caller?: Caller; chosen?: string[] } = {},
): Promise<PickList> {
  return db.transaction(async (tx) => {
    await assignPicks(tx, requestId, options.caller?.id ?? 'system', options.chosen ?? []);
    return readPickList(tx, requestId);
  });
}

/** The pick list as it stands, without assigning anything (the page's read). */
export async function currentPickList(db: Executor, requestId: number): Promise<PickList> {
  return readPickList(db, requestId);
}

async function assignPicks(tx: Executor, requestId: number, actor: string, chosen: string[]) {
  const held = await heldByRequest(tx, requestId);
  for (const [batchId, quantity] of held) {
    const bank = await tx.execute<{ qc_source: string }>(
      sql`SELECT qc_source FROM batches WHERE id = ${batchId} FOR UPDATE`,
    );
    if (bank.rows[0]?.qc_source !== 'bank') continue;
    const picked = await tx
      .select({ id: vials.id })
      .from(vials)
      .where(and(eq(vials.batchId, batchId), eq(vials.requestId, requestId)));
    let wanted = quantity - picked.length;
    if (wanted <= 0) continue;
    const candidates = await tx.execute<{ id: number; label: string }>(sql`
      SELECT v.id, v.label FROM vials v JOIN batches b ON b.id = v.batch_id JOIN bank_receipts r ON r.id = v.receipt_id
      WHERE v.batch_id = ${batchId} AND v.state = 'in_bank' AND v.request_id IS NULL AND v.box_id IS NOT NULL
      ORDER BY (v.label = ANY(string_to_array(${chosen.join('\n')}, chr(10)))) DESC, b.production_date ASC NULLS LAST, r.arrived_at ASC, v.id ASC
      FOR UPDATE OF v`);
    const take = candidates.rows.slice(0, wanted);
    wanted -= take.length;
    if (!take.length) continue;
    await tx
      .update(vials)
      .set({ requestId, updatedAt: new Date() })
      .where(
        inArray(
          vials.id,
          take.map((v) => Number(v.id)),
        ),
      );
    await tx.insert(vialPicks).values(take.map((v) => ({ requestId, vialId: Number(v.id), pickedBy: actor })));
  }
}

async function readPickList(db: Executor, requestId: number): Promise<PickList> {
  const r = await db.execute<{
    id: number;
    label: string;
    number: string;
    unit: string | null;
    kind: string | null;
    rack: string | null;
    box: string | null;
    row: number | null;
    col: number | null;
    scanned: boolean;
  }>(sql`
    SELECT v.id, v.label, b.number, u.code AS unit, u.kind, k.code AS rack, x.code AS box, v.row, v.col,
      EXISTS (SELECT 1 FROM pick_scans s WHERE s.request_id = ${requestId} AND s.vial_id = v.id AND s.accepted) AS scanned
    FROM vials v JOIN batches b ON b.id = v.batch_id
    LEFT JOIN storage_boxes x ON x.id = v.box_id LEFT JOIN storage_racks k ON k.id = x.rack_id LEFT JOIN storage_units u ON u.id = k.unit_id
    WHERE v.request_id = ${requestId}
    ORDER BY u.code, k.code, x.code, v.row, v.col, v.label`);
  const lines = r.rows.map((x) => ({
    vialId: Number(x.id),
    label: x.label,
    batch: x.number,
    unit: x.unit,
    unitKind: x.kind,
    rack: x.rack,
    box: x.box,
    row: x.row,
    col: x.col,
    scanned: x.scanned,
  }));
  const held = await heldByRequest(db, requestId);
  const short: PickList['short'] = [];
  for (const [batchId, quantity] of held) {
    const b = await db.execute<{ number: string; qc_source: string }>(
      sql`SELECT number, qc_source FROM batches WHERE id = ${batchId}`,
    );
    if (b.rows[0]?.qc_source !== 'bank') continue;
    const have = lines.filter((l) => l.batch === b.rows[0]!.number).length;
    if (have < quantity) short.push({ batch: b.rows[0]!.number, missing: quantity - have });
  }
  return { requestId, lines, short };
}

export type ScanOutcome =
  | { accepted: true; label: string; remaining: number }
  | { accepted: false; reason: 'not_on_list' | 'already_scanned'; scanned: string };

/** One label read by the camera or the scanner, checked against the pick list; every scan is recorded. */
export async function scanLabel(
  db: Database,
  caller: Caller,
  requestId: number,
  scanned: string,
): Promise<Result<ScanOutcome>> {
  if (caller.role === 'requester') return fail({ code: 'not_found' });
  const text = scanned.trim().slice(0, 200);
  if (!text)
    return fail({ code: 'invalid', field: 'scanned', message: 'nothing was read', key: 'bank.error.emptyScan' });
  return transact(db, async (tx) => {
    const known = await tx.execute(sql`SELECT 1 FROM requests WHERE id = ${requestId}`);
    if (!known.rows.length) return fail({ code: 'not_found' });
    const list = await readPickList(tx, requestId);
    const line = list.lines.find((l) => l.label === text);
    if (!line) {
      const [vial] = await tx.select({ id: vials.id }).from(vials).where(eq(vials.label, text));
      await tx
        .insert(pickScans)
        .values({ requestId, scanned: text, vialId: vial?.id ?? null, accepted: false, scannedBy: caller.id });
      return ok({ accepted: false, reason: 'not_on_list', scanned: text } as const);
    }
    if (line.scanned) return ok({ accepted: false, reason: 'already_scanned', scanned: text } as const);
    await tx
      .insert(pickScans)
      .values({ requestId, scanned: text, vialId: line.vialId, accepted: true, scannedBy: caller.id });
    return ok({ accepted: true, label: text, remaining: list.lines.filter((l) => !l.scanned).length - 1 } as const);
  });
}

export class PickNotConfirmed extends Error {
  override name = 'PickNotConfirmed';
  constructor(
    readonly unscanned: string[],
    readonly short: PickList['short'],
  ) {
    super(
      `pick list not confirmed: ${unscanned.length ? `not scanned ${unscanned.join(', ')}` : ''}${short.length ? ` short ${short.map((s) => `${s.batch} (${s.missing})`).join(', ')}` : ''}`.trim(),
    );
  }
}

/**
 * For the outbound sign-off, in its transaction: every vial of a bank batch
 * the request holds is picked and its label scanned. Throws PickNotConfirmed
 * otherwise (so nothing is signed), or returns the confirmed vial ids.
 */
export async function assertPickConfirmed(tx: Executor, requestId: number): Promise<number[]> {
  const list = await readPickList(tx, requestId);
  const unscanned = list.lines.filter((l) => !l.scanned).map((l) => l.label);
  if (unscanned.length || list.short.length) throw new PickNotConfirmed(unscanned, list.short);
  return list.lines.map((l) => l.vialId);
}
