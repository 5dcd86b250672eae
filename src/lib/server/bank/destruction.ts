/**
 * 销毁: vials discarded or destroyed, with the reason, operator and reviewer.
 * They leave the stock through the ledger (one `adjusted` movement of minus
 * the count, so the batch's counters and the ledger's sums agree), leave
 * their positions (state `destroyed`), and the record stays: nothing here is
 * ever deleted.
 */
import { eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '#db/client.ts';
import { destructions, destructionVials, vials } from '#db/schema/bank.ts';
import { batches } from '#db/schema/batches.ts';
import { moveStock } from '#server/catalog/stock.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { fail, ok, transact, type Caller, type Result } from '#server/requests/core.ts';
import { checkCosigners, cosign, signedColumns, type CosignInput } from './cosign.ts';

export async function destroyVials(
  db: Database,
  caller: Caller,
  input: CosignInput & { labels: string[]; reason: string; destroyedAt: Date },
): Promise<Result<{ id: number }>> {
  const labels = [...new Set(input.labels.map((l) => l.trim()).filter(Boolean))];
  if (!labels.length)
    return fail({
      code: 'invalid',
      field: 'labels',
      message: 'name the vials (one label a line)',
      key: 'bank.error.noLabels',
    });
  if (!input.reason.trim())
    return fail({ code: 'invalid', field: 'reason', message: 'give the reason', key: 'bank.error.reason' });
  const signers = await checkCosigners(db, caller, input);
  if (!signers.ok) return signers;
  return transact(db, async (tx) => {
    const found = await tx.select().from(vials).where(inArray(vials.label, labels)).for('update');
    const missing = labels.filter(
      (l) => !found.some((v) => v.label === l && v.state === 'in_bank' && v.requestId === null),
    );
    if (missing.length)
      return fail({
        code: 'invalid',
        field: 'labels',
        message: `not in the bank or held for a request: ${missing.join(', ')}`,
        key: 'bank.error.notDestroyable',
        params: { labels: missing.join(', ') },
      });
    const batchIds = [...new Set(found.map((v) => v.batchId))];
    if (batchIds.length !== 1)
      return fail({
        code: 'invalid',
        field: 'labels',
        message: 'one destruction record per batch',
        key: 'bank.error.oneBatch',
      });
    const batchId = batchIds[0]!;
    const [batch] = await tx.select({ number: batches.number }).from(batches).where(eq(batches.id, batchId));
    const signed = await cosign(
      tx,
      signers.value,
      { type: 'batch', id: batchId },
      `destruction of ${labels.length} vial(s) of ${batch!.number}: ${input.reason}`,
    );
    if (!signed.ok) return signed;
    const moved = await moveStock(tx, {
      batchId,
      kind: 'adjusted',
      quantity: -labels.length,
      actor: caller.id,
      reason: `destroyed: ${input.reason}`,
    });
    if (!moved.ok)
      return fail({
        code: 'insufficient_stock',
        batch: batch!.number,
        available: moved.reason === 'insufficient' ? moved.stock.available : 0,
        wanted: labels.length,
      });
    // The movement just appended: moveStock holds the batch row's lock, so no other one for this batch is in between.
    const movement = await tx.execute<{ id: string }>(
      sql`SELECT max(id) AS id FROM stock_movements WHERE batch_id = ${batchId} AND kind = 'adjusted'`,
    );
    const [row] = await tx
      .insert(destructions)
      .values({
        batchId,
        quantity: labels.length,
        reason: input.reason,
        destroyedAt: input.destroyedAt,
        movementId: Number(movement.rows[0]!.id),
        ...signedColumns(signed.value),
      })
      .returning({ id: destructions.id });
    await tx.insert(destructionVials).values(found.map((v) => ({ destructionId: row!.id, vialId: v.id })));
    await tx
      .update(vials)
      .set({ state: 'destroyed', boxId: null, row: null, col: null, updatedAt: new Date() })
      .where(
        inArray(
          vials.id,
          found.map((v) => v.id),
        ),
      );
    await recordAudit(tx, {
      actor: caller.id,
      action: 'batch.vials_destroyed',
      entityType: 'batch',
      entityId: batchId,
      after: {
        destruction: row!.id,
        labels,
        positions: found.map((v) => ({ label: v.label, boxId: v.boxId, row: v.row, col: v.col })),
        reason: input.reason,
        reviewer: signed.value.reviewer.id,
      },
    });
    return ok(row!);
  });
}
