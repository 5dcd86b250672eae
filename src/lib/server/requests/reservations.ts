/**
 * Reservations of a request's vials, through the stock ledger. Reserving
 * locks each batch row (moveStock), so concurrent reservations of one batch
 * queue up and available never goes below zero; the movement, the state
 * change, the audit event and the search outbox row commit together. A
 * reservation holds for RESERVATION_DAYS and lapses back to stock, with an
 * event, when the request does not move on.
 */
import { allowedMoves, reservationLapsed } from './states.ts';
import { and, eq, lte, sql } from 'drizzle-orm';
import type { Database, Executor } from '#db/client.ts';
import { unpickVials } from '#server/bank/vial-moves.ts';
import { batches } from '#db/schema/batches.ts';
import { requestItems, requests, type Request } from '#db/schema/requests.ts';
import { moveStock } from '#server/catalog/stock.ts';
import { getConfig } from '#server/platform/config.ts';
import {
  addEvent,
  changeState,
  fail,
  lockBatchesThenRequest,
  systemCaller,
  transact,
  type Caller,
  type Result,
} from './core.ts';

export function reservationDays(): number {
  return getConfig().RESERVATION_DAYS;
}

/** Vials a request holds now, per batch: reserved minus unreserved minus shipped, from the ledger. */
export async function heldByRequest(db: Executor, requestId: number): Promise<Map<number, number>> {
  const r = await db.execute<{ batch_id: number; held: number }>(sql`
    SELECT batch_id, sum(CASE kind WHEN 'reserved' THEN quantity WHEN 'unreserved' THEN -quantity WHEN 'shipped' THEN -quantity ELSE 0 END)::int AS held
    FROM stock_movements WHERE request_id = ${requestId} GROUP BY batch_id`);
  return new Map(r.rows.filter((x) => x.held > 0).map((x) => [Number(x.batch_id), x.held]));
}

/**
 * Reserves the approved vials of every item from its batch (`choices` names a
 * batch for items that did not ask for one). All or nothing: one batch short
 * and nothing is reserved.
 */
export async function reserveRequest(
  db: Database,
  caller: Caller,
  requestId: number,
  choices: Record<number, number> = {},
): Promise<Result<Request>> {
  return transact(db, async (tx) => {
    const request = await lockBatchesThenRequest(tx, requestId, caller, Object.values(choices));
    if (!request) return fail({ code: 'not_found' });
    if (!allowedMoves(request.state, 'staff').has('reserve'))
      return fail({ code: 'transition', error: { code: 'illegal', from: request.state, to: 'reserved' } });
    const items = await tx
      .select()
      .from(requestItems)
      .where(and(eq(requestItems.requestId, requestId), eq(requestItems.active, true)));
    for (const item of items) {
      const wanted = item.approvedQuantity ?? 0;
      if (wanted === 0) continue;
      const batchId = item.batchId ?? choices[item.id];
      if (!batchId)
        return fail({ code: 'invalid', field: `batch-${item.id}`, message: 'choose the batch to reserve from' });
      const [batch] = await tx
        .select({ lineId: batches.lineId, status: batches.releaseStatus, number: batches.number })
        .from(batches)
        .where(eq(batches.id, batchId));
      if (!batch || batch.lineId !== item.lineId)
        return fail({ code: 'invalid', field: `batch-${item.id}`, message: 'the batch is not a batch of this line' });
      if (batch.status !== 'released')
        return fail({ code: 'invalid', field: `batch-${item.id}`, message: `batch ${batch.number} is not released` });
      const moved = await moveStock(tx, {
        batchId,
        kind: 'reserved',
        quantity: wanted,
        requestId,
        actor: caller.id,
        reason: `request ${requestId}`,
      });
      // One batch short and nothing is reserved: transact rolls back the items before this one too.
      if (!moved.ok)
        return fail(
          moved.reason === 'insufficient'
            ? { code: 'insufficient_stock', batch: moved.stock.number, available: moved.stock.available, wanted }
            : { code: 'insufficient_stock', batch: String(batchId), available: 0, wanted },
        );
      if (!item.batchId) await tx.update(requestItems).set({ batchId }).where(eq(requestItems.id, item.id));
    }
    const expires = new Date(Date.now() + reservationDays() * 86_400_000);
    return changeState(
      tx,
      request,
      'reserved',
      caller,
      {},
      { set: { reservationExpiresAt: expires }, data: { reservedUntil: expires.toISOString() } },
    );
  });
}

/** Returns every vial a request still holds to available stock (rejection, withdrawal, cancellation, lapse). */
export async function releaseReservations(
  tx: Executor,
  request: Pick<Request, 'id'>,
  caller: Caller,
  why: string,
): Promise<number> {
  let returned = 0;
  for (const [batchId, held] of await heldByRequest(tx, request.id)) {
    const moved = await moveStock(tx, {
      batchId,
      kind: 'unreserved',
      quantity: held,
      requestId: request.id,
      actor: caller.id,
      reason: why,
    });
    if (moved.ok) returned += held;
  }
  // Vials picked from the bank's positions for this request go back to the pool (they stay where they are).
  await unpickVials(tx, request.id);
  if (returned)
    await addEvent(tx, {
      requestId: request.id,
      kind: 'reservation',
      caller,
      body: why,
      data: { returnedVials: returned },
    });
  return returned;
}

/** Reservations past their time go back to stock; the request returns to approved (to be reserved again). */
export async function lapseExpiredReservations(db: Database, now = new Date()): Promise<number[]> {
  const due = await db
    .select({ id: requests.id })
    .from(requests)
    .where(and(eq(requests.state, 'reserved'), lte(requests.reservationExpiresAt, now)));
  const lapsed: number[] = [];
  for (const { id } of due) {
    const done = await transact(db, async (tx) => {
      const request = await lockBatchesThenRequest(tx, id, systemCaller);
      if (!request || !reservationLapsed(request.state, request.reservationExpiresAt, now))
        return fail({ code: 'conflict', message: 'no longer due' });
      await releaseReservations(tx, request, systemCaller, 'reservation lapsed');
      return changeState(
        tx,
        request,
        'approved',
        systemCaller,
        {},
        { comment: 'reservation lapsed', set: { reservationExpiresAt: null } },
      );
    });
    if (done.ok) lapsed.push(id);
  }
  return lapsed;
}
