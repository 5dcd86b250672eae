/**
 * 存储信息: where each vial sits. Storage units (a tank or a freezer) hold
 * racks, racks hold boxes of rows x columns, and each vial in the bank holds
 * one position (the database refuses two in one place, and a position for a
 * vial that left). Placing and moving vials is one signed storage operation
 * (operator and reviewer, environment temperature, start and end) with one
 * move row per vial (from, to); a periodic location check (seed 002 五,
 * 定期核实存储位置) records a box's outcome, signed the same way.
 */
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database, Executor } from '#db/client.ts';
import {
  locationChecks,
  storageBoxes,
  storageOperations,
  storageRacks,
  storageUnits,
  vialMoves,
  vials,
  type UnitKind,
} from '#db/schema/bank.ts';
import { isStaff } from '#server/accounts/authorize.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { fail, ok, transact, type Caller, type Result } from '#server/requests/core.ts';
import { checkCosigners, cosign, signedColumns, type CosignInput, type Cosigners } from './cosign.ts';

const staffOnly = (caller: Caller) => isStaff(caller);

export async function createStorageUnit(
  db: Database,
  caller: Caller,
  input: { code: string; kind: UnitKind; name: string },
): Promise<Result<{ id: number }>> {
  if (!staffOnly(caller)) return fail({ code: 'not_found' });
  return transact(db, async (tx) => {
    const [taken] = await tx
      .select({ id: storageUnits.id })
      .from(storageUnits)
      .where(eq(storageUnits.code, input.code));
    if (taken)
      return fail({ code: 'invalid', field: 'code', message: `unit "${input.code}" exists`, key: 'bank.error.exists' });
    const [unit] = await tx
      .insert(storageUnits)
      .values({ ...input, createdBy: caller.id })
      .returning({ id: storageUnits.id });
    await recordAudit(tx, {
      actor: caller.id,
      action: 'storage_unit.created',
      entityType: 'storage_unit',
      entityId: unit!.id,
      after: input,
    });
    return ok(unit!);
  });
}

/** A box in a rack of a unit (the rack is created with its first box). */
export async function createStorageBox(
  db: Database,
  caller: Caller,
  input: { unitId: number; rack: string; code: string; rows: number; cols: number },
): Promise<Result<{ id: number }>> {
  if (!staffOnly(caller)) return fail({ code: 'not_found' });
  return transact(db, async (tx) => {
    const [unit] = await tx.select().from(storageUnits).where(eq(storageUnits.id, input.unitId));
    if (!unit)
      return fail({ code: 'invalid', field: 'unitId', message: 'no such storage unit', key: 'bank.error.noUnit' });
    let [rack] = await tx
      .select()
      .from(storageRacks)
      .where(and(eq(storageRacks.unitId, unit.id), eq(storageRacks.code, input.rack)));
    rack ??= (await tx.insert(storageRacks).values({ unitId: unit.id, code: input.rack }).returning())[0]!;
    const [taken] = await tx
      .select({ id: storageBoxes.id })
      .from(storageBoxes)
      .where(and(eq(storageBoxes.rackId, rack.id), eq(storageBoxes.code, input.code)));
    if (taken)
      return fail({
        code: 'invalid',
        field: 'code',
        message: `box "${input.code}" exists in rack ${input.rack}`,
        key: 'bank.error.exists',
      });
    const [box] = await tx
      .insert(storageBoxes)
      .values({ rackId: rack.id, code: input.code, rows: input.rows, cols: input.cols })
      .returning({ id: storageBoxes.id });
    await recordAudit(tx, {
      actor: caller.id,
      action: 'storage_box.created',
      entityType: 'storage_box',
      entityId: box!.id,
      after: { unit: unit.code, rack: input.rack, code: input.code, rows: input.rows, cols: input.cols },
    });
    return ok(box!);
  });
}

export interface OperationInput extends CosignInput {
  envTempC: number;
  startedAt: Date;
  endedAt: Date;
}

export interface Placement {
  vialId: number;
  boxId: number;
  row: number;
  col: number;
}

/**
 * A box with its unit and rack, locked for the transaction (placements into
 * it queue up). An advisory lock: boxes are append-only, and the app role
 * may not SELECT … FOR UPDATE what it may not update.
 */
async function lockBox(tx: Executor, boxId: number) {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('storage_box'), ${boxId})`);
  const r = await tx.execute<{
    id: number;
    code: string;
    rows: number;
    cols: number;
    rack: string;
    unit_id: number;
    unit: string;
  }>(sql`
    SELECT b.id, b.code, b.rows, b.cols, r.code AS rack, u.id AS unit_id, u.code AS unit
    FROM storage_boxes b JOIN storage_racks r ON r.id = b.rack_id JOIN storage_units u ON u.id = r.unit_id
    WHERE b.id = ${boxId}`);
  return r.rows[0];
}

/** Free positions of a box in reading order (row by row). */
async function freePositions(
  tx: Executor,
  box: { id: number; rows: number; cols: number },
): Promise<{ row: number; col: number }[]> {
  const used = await tx.select({ row: vials.row, col: vials.col }).from(vials).where(eq(vials.boxId, box.id));
  const taken = new Set(used.map((u) => `${u.row}:${u.col}`));
  const out: { row: number; col: number }[] = [];
  for (let row = 1; row <= box.rows; row++)
    for (let col = 1; col <= box.cols; col++) if (!taken.has(`${row}:${col}`)) out.push({ row, col });
  return out;
}

/**
 * Places a batch's vials that have no position yet into a box, in the free
 * positions in reading order (or as many as `count`). One storage operation.
 */
export async function storeBatchInBox(
  db: Database,
  caller: Caller,
  input: OperationInput & { batchId: number; boxId: number; count?: number },
): Promise<Result<{ operationId: number; placed: number }>> {
  if (input.startedAt > input.endedAt)
    return fail({
      code: 'invalid',
      field: 'endedAt',
      message: 'the operation ends before it starts',
      key: 'bank.error.endBeforeStart',
    });
  const signers = await checkCosigners(db, caller, input);
  if (!signers.ok) return signers;
  return transact(db, async (tx) => {
    const box = await lockBox(tx, input.boxId);
    if (!box) return fail({ code: 'invalid', field: 'boxId', message: 'no such box', key: 'bank.error.noBox' });
    const waiting = await tx
      .select({ id: vials.id })
      .from(vials)
      .where(and(eq(vials.batchId, input.batchId), eq(vials.state, 'in_bank'), isNull(vials.boxId)))
      .orderBy(asc(vials.id))
      .limit(input.count ?? 10_000)
      .for('update');
    if (!waiting.length)
      return fail({
        code: 'invalid',
        field: 'batchId',
        message: 'no vials of this batch wait for a position',
        key: 'bank.error.nothingToStore',
      });
    const free = await freePositions(tx, box);
    if (free.length < waiting.length)
      return fail({
        code: 'invalid',
        field: 'boxId',
        message: `box ${box.code} has ${free.length} free positions for ${waiting.length} vials`,
        key: 'bank.error.boxFull',
        params: { free: String(free.length), wanted: String(waiting.length) },
      });
    const placements = waiting.map((v, i) => ({ vialId: v.id, boxId: box.id, ...free[i]! }));
    const op = await recordOperation(tx, signers.value, input, {
      kind: 'store',
      batchId: input.batchId,
      unitId: box.unit_id,
      placements,
    });
    if (!op.ok) return op;
    return ok({ operationId: op.value, placed: placements.length });
  });
}

/** Moves one vial (by label) to a position: a signed storage operation with its from and to. */
export async function moveVial(
  db: Database,
  caller: Caller,
  input: OperationInput & { label: string; boxId: number; row: number; col: number },
): Promise<Result<{ operationId: number }>> {
  if (input.startedAt > input.endedAt)
    return fail({
      code: 'invalid',
      field: 'endedAt',
      message: 'the operation ends before it starts',
      key: 'bank.error.endBeforeStart',
    });
  const signers = await checkCosigners(db, caller, input);
  if (!signers.ok) return signers;
  return transact(db, async (tx) => {
    const [vial] = await tx.select().from(vials).where(eq(vials.label, input.label.trim())).for('update');
    if (vial?.state !== 'in_bank')
      return fail({
        code: 'invalid',
        field: 'label',
        message: `no vial "${input.label}" in the bank`,
        key: 'bank.error.noVial',
      });
    const box = await lockBox(tx, input.boxId);
    if (!box) return fail({ code: 'invalid', field: 'boxId', message: 'no such box', key: 'bank.error.noBox' });
    if (input.row > box.rows || input.col > box.cols)
      return fail({
        code: 'invalid',
        field: 'row',
        message: `box ${box.code} is ${box.rows} x ${box.cols}`,
        key: 'bank.error.outsideBox',
      });
    const [occupant] = await tx
      .select({ label: vials.label })
      .from(vials)
      .where(and(eq(vials.boxId, box.id), eq(vials.row, input.row), eq(vials.col, input.col)));
    if (occupant)
      return fail({
        code: 'invalid',
        field: 'row',
        message: `position taken by ${occupant.label}`,
        key: 'bank.error.positionTaken',
        params: { label: occupant.label },
      });
    const op = await recordOperation(tx, signers.value, input, {
      kind: 'move',
      batchId: vial.batchId,
      unitId: box.unit_id,
      placements: [{ vialId: vial.id, boxId: box.id, row: input.row, col: input.col }],
    });
    if (!op.ok) return op;
    return ok({ operationId: op.value });
  });
}

async function recordOperation(
  tx: Executor,
  signers: Cosigners,
  input: OperationInput,
  what: { kind: 'store' | 'move'; batchId: number; unitId: number; placements: Placement[] },
): Promise<Result<number>> {
  const signed = await cosign(
    tx,
    signers,
    { type: 'batch', id: what.batchId },
    `storage (${what.kind}) of ${what.placements.length} vial(s)`,
  );
  if (!signed.ok) return signed;
  const [op] = await tx
    .insert(storageOperations)
    .values({
      batchId: what.batchId,
      kind: what.kind,
      unitId: what.unitId,
      envTempC: String(input.envTempC),
      startedAt: input.startedAt,
      endedAt: input.endedAt,
      ...signedColumns(signed.value),
    })
    .returning({ id: storageOperations.id });
  const before = await tx
    .select({ id: vials.id, boxId: vials.boxId, row: vials.row, col: vials.col })
    .from(vials)
    .where(
      inArray(
        vials.id,
        what.placements.map((p) => p.vialId),
      ),
    );
  const from = new Map(before.map((b) => [b.id, b]));
  // Vacate first, so vials may swap places within one operation.
  await tx
    .update(vials)
    .set({ boxId: null, row: null, col: null, updatedAt: new Date() })
    .where(
      inArray(
        vials.id,
        what.placements.map((p) => p.vialId),
      ),
    );
  for (const p of what.placements) {
    await tx
      .update(vials)
      .set({ boxId: p.boxId, row: p.row, col: p.col, updatedAt: new Date() })
      .where(eq(vials.id, p.vialId));
  }
  await tx.insert(vialMoves).values(
    what.placements.map((p) => ({
      operationId: op!.id,
      vialId: p.vialId,
      fromBoxId: from.get(p.vialId)?.boxId ?? null,
      fromRow: from.get(p.vialId)?.row ?? null,
      fromCol: from.get(p.vialId)?.col ?? null,
      toBoxId: p.boxId,
      toRow: p.row,
      toCol: p.col,
    })),
  );
  await recordAudit(tx, {
    actor: signers.operator.id,
    action: what.kind === 'store' ? 'batch.stored' : 'batch.vial_moved',
    entityType: 'batch',
    entityId: what.batchId,
    before: what.kind === 'move' ? before : null,
    after: {
      operation: op!.id,
      placements: what.placements,
      reviewer: signed.value.reviewer.id,
      signatures: [signed.value.operatorSignature.id, signed.value.reviewerSignature.id],
    },
  });
  return ok(op!.id);
}

/** 定期核实: the box checked against what the record says it holds. */
export async function checkLocation(
  db: Database,
  caller: Caller,
  input: CosignInput & { boxId: number; outcome: 'match' | 'mismatch'; notes: string; checkedAt: Date },
): Promise<Result<{ id: number }>> {
  if (input.outcome === 'mismatch' && !input.notes.trim())
    return fail({
      code: 'invalid',
      field: 'notes',
      message: 'say what did not match',
      key: 'bank.error.mismatchNotes',
    });
  const signers = await checkCosigners(db, caller, input);
  if (!signers.ok) return signers;
  return transact(db, async (tx) => {
    const box = await lockBox(tx, input.boxId);
    if (!box) return fail({ code: 'invalid', field: 'boxId', message: 'no such box', key: 'bank.error.noBox' });
    const signed = await cosign(
      tx,
      signers.value,
      { type: 'storage_box', id: box.id },
      `location check of box ${box.unit}/${box.rack}/${box.code}: ${input.outcome}`,
    );
    if (!signed.ok) return signed;
    const [{ n }] = (
      await tx.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM vials WHERE box_id = ${box.id}`)
    ).rows as [{ n: number }];
    const [row] = await tx
      .insert(locationChecks)
      .values({
        boxId: box.id,
        checkedAt: input.checkedAt,
        outcome: input.outcome,
        expectedVials: n,
        notes: input.notes,
        ...signedColumns(signed.value),
      })
      .returning({ id: locationChecks.id });
    await recordAudit(tx, {
      actor: caller.id,
      action: 'storage_box.location_checked',
      entityType: 'storage_box',
      entityId: box.id,
      after: {
        check: row!.id,
        outcome: input.outcome,
        expectedVials: n,
        notes: input.notes,
        reviewer: signed.value.reviewer.id,
      },
    });
    return ok(row!);
  });
}

export interface BoxView {
  id: number;
  unit: string;
  unitKind: UnitKind;
  rack: string;
  code: string;
  rows: number;
  cols: number;
  cells: ({ label: string; batch: string } | null)[][];
  lastCheck?: { checkedAt: Date; outcome: string };
}

/** A box as a grid: what sits where. */
export async function boxView(db: Executor, boxId: number): Promise<BoxView | undefined> {
  const r = await db.execute<{
    id: number;
    code: string;
    rows: number;
    cols: number;
    rack: string;
    unit: string;
    kind: UnitKind;
  }>(sql`
    SELECT b.id, b.code, b.rows, b.cols, r.code AS rack, u.code AS unit, u.kind
    FROM storage_boxes b JOIN storage_racks r ON r.id = b.rack_id JOIN storage_units u ON u.id = r.unit_id WHERE b.id = ${boxId}`);
  const box = r.rows[0];
  if (!box) return undefined;
  const cells: BoxView['cells'] = Array.from({ length: box.rows }, () => Array.from({ length: box.cols }, () => null));
  const inside = await db.execute<{ label: string; number: string; row: number; col: number }>(
    sql`SELECT v.label, b.number, v.row, v.col FROM vials v JOIN batches b ON b.id = v.batch_id WHERE v.box_id = ${boxId}`,
  );
  for (const v of inside.rows) cells[v.row - 1]![v.col - 1] = { label: v.label, batch: v.number };
  const [check] = await db
    .select({ checkedAt: locationChecks.checkedAt, outcome: locationChecks.outcome })
    .from(locationChecks)
    .where(eq(locationChecks.boxId, boxId))
    .orderBy(sql`${locationChecks.id} DESC`)
    .limit(1);
  return {
    id: box.id,
    unit: box.unit,
    unitKind: box.kind,
    rack: box.rack,
    code: box.code,
    rows: box.rows,
    cols: box.cols,
    cells,
    lastCheck: check,
  };
}

/** Every box with its place and how full it is (the storage page). */
export async function listBoxes(db: Executor) {
  const r = await db.execute<{
    id: number;
    unit: string;
    kind: UnitKind;
    unit_name: string;
    rack: string;
    code: string;
    rows: number;
    cols: number;
    used: number;
    last_check: Date | null;
  }>(sql`
    SELECT b.id, u.code AS unit, u.kind, u.name AS unit_name, r.code AS rack, b.code, b.rows, b.cols,
      (SELECT count(*)::int FROM vials v WHERE v.box_id = b.id) AS used,
      (SELECT max(checked_at) FROM location_checks c WHERE c.box_id = b.id) AS last_check
    FROM storage_boxes b JOIN storage_racks r ON r.id = b.rack_id JOIN storage_units u ON u.id = r.unit_id
    ORDER BY u.code, r.code, b.code`);
  return r.rows;
}

export async function listUnits(db: Executor) {
  return db.select().from(storageUnits).orderBy(storageUnits.code);
}
