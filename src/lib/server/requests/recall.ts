/**
 * Batch release status, moved by staff with a reason and a signature
 * (quarantine -> released, or to rejected / recalled); catalog and search
 * follow through the outbox. A recall looks back: every request that received
 * vials of the batch, or holds a reservation of it, gets a notice (timeline and
 * mail) and its acknowledgement
 * is tracked.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Database, Executor } from '#db/client.ts';
import { accounts } from '#db/schema/accounts.ts';
import { batches, type releaseStatuses } from '#db/schema/batches.ts';
import { recallNotices, requests } from '#db/schema/requests.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { batchAndLine, queueSearch } from '#server/platform/search-outbox.ts';
import { addEvent, fail, ok, transact, type Caller, type Result } from './core.ts';
import { notify, requestLink } from './notifications.ts';
import { checkPassword, sign } from './signatures.ts';

export type ReleaseStatus = (typeof releaseStatuses)[number];

/** Moves a batch may make: quarantine -> released | rejected; released -> recalled; nothing leaves rejected or recalled. */
const allowed: Record<ReleaseStatus, ReleaseStatus[]> = {
  quarantine: ['released', 'rejected'],
  released: ['recalled', 'quarantine'],
  rejected: [],
  recalled: [],
};

export async function setBatchStatus(
  db: Database,
  caller: Caller,
  batchId: number,
  input: { status: ReleaseStatus; reason: string; password: string },
): Promise<Result<{ notified: number }>> {
  if (!input.reason.trim()) return fail({ code: 'invalid', field: 'reason', message: 'give the reason' });
  const signer = await checkPassword(db, caller, input.password);
  if (!signer.ok) return signer;
  return transact(db, async (tx) => {
    // Lock order of the chain (core.ts): the batch row, then the requests concerned, the audit head last.
    const [batch] = await tx.select().from(batches).where(eq(batches.id, batchId)).for('update');
    if (!batch) return fail({ code: 'not_found' });
    if (!allowed[batch.releaseStatus].includes(input.status))
      return fail({
        code: 'invalid',
        field: 'status',
        message: `a batch cannot go from "${batch.releaseStatus}" to "${input.status}"`,
      });
    // A bank batch is released only by its signed release test (src/lib/server/bank/testing.ts; the database refuses it too).
    if (input.status === 'released' && batch.qcSource === 'bank')
      return fail({
        code: 'invalid',
        field: 'status',
        message: 'a batch recorded by the bank is released by signing its release test',
        key: 'bank.error.releaseThroughTest',
      });
    const concerned = input.status === 'recalled' ? await requestsConcerned(tx, batchId) : [];
    const signature = await sign(tx, signer.value, 'batch_status', { type: 'batch', id: batchId }, input.reason);
    await tx
      .update(batches)
      .set({ releaseStatus: input.status, updatedAt: new Date(), entryVersion: sql`${batches.entryVersion} + 1` })
      .where(eq(batches.id, batchId));
    await queueSearch(tx, batchAndLine(batchId, batch.lineId));
    await lookBack(tx, caller, batch, input.reason, concerned);
    await recordAudit(tx, {
      actor: caller.id,
      action: 'batch.status_changed',
      entityType: 'batch',
      entityId: batchId,
      before: { number: batch.number, releaseStatus: batch.releaseStatus },
      after: {
        number: batch.number,
        releaseStatus: input.status,
        signature: signature.id,
        lookBack: concerned.map((c) => ({ request: c.requestId, kind: c.kind })),
      },
      reason: input.reason,
    });
    return ok({ notified: concerned.length });
  });
}

interface Concerned {
  requestId: number;
  requesterId: string;
  email: string;
  locale: string;
  kind: 'received' | 'reserved';
}

/**
 * Every request that received vials of the batch or holds a reservation of it
 * (from the ledger), locked in id order: a recall reaches the vials that left
 * and stops those about to leave.
 */
async function requestsConcerned(tx: Executor, batchId: number): Promise<Concerned[]> {
  const r = await tx.execute<{
    request_id: number;
    requester_id: string;
    email: string;
    locale: string;
    shipped: number;
    held: number;
  }>(sql`
    WITH m AS (
      SELECT request_id,
        sum(CASE kind WHEN 'shipped' THEN quantity WHEN 'returned' THEN -quantity ELSE 0 END) AS shipped,
        sum(CASE kind WHEN 'reserved' THEN quantity WHEN 'unreserved' THEN -quantity WHEN 'shipped' THEN -quantity ELSE 0 END) AS held
      FROM stock_movements WHERE batch_id = ${batchId} AND request_id IS NOT NULL GROUP BY request_id)
    SELECT r.id AS request_id, r.requester_id, a.email, a.locale, m.shipped::int AS shipped, m.held::int AS held
    FROM m JOIN requests r ON r.id = m.request_id JOIN accounts a ON a.id = r.requester_id
    WHERE m.shipped > 0 OR m.held > 0
    ORDER BY r.id FOR UPDATE OF r`);
  return r.rows.map((x) => ({
    requestId: Number(x.request_id),
    requesterId: x.requester_id,
    email: x.email,
    locale: x.locale,
    kind: x.shipped > 0 ? 'received' : 'reserved',
  }));
}

/** Notice, timeline and mail for every request concerned; staff see the reserved ones flagged. */
async function lookBack(
  tx: Executor,
  caller: Caller,
  batch: { id: number; number: string },
  reason: string,
  concerned: Concerned[],
): Promise<void> {
  for (const r of concerned) {
    await tx
      .insert(recallNotices)
      .values({ batchId: batch.id, requestId: r.requestId, requesterId: r.requesterId, reason, kind: r.kind })
      .onConflictDoNothing();
    await addEvent(tx, {
      requestId: r.requestId,
      kind: 'notice',
      caller,
      body: reason,
      data: { recall: batch.number, holding: r.kind },
    });
    await notify(tx, r, (t, locale) => ({
      subject: t('request.mail.recallSubject', { batch: batch.number }),
      body: `${t(r.kind === 'received' ? 'request.mail.recallBody' : 'request.mail.recallHeldBody', { batch: batch.number, reason })}\n\n${requestLink(locale, r.requestId)}`,
    }));
  }
}

export async function acknowledgeRecall(db: Database, caller: Caller, noticeId: number): Promise<Result<void>> {
  return transact(db, async (tx) => {
    const [notice] = await tx
      .select()
      .from(recallNotices)
      .where(and(eq(recallNotices.id, noticeId), eq(recallNotices.requesterId, caller.id)))
      .for('update');
    if (!notice) return fail({ code: 'not_found' });
    if (notice.acknowledgedAt) return ok(undefined);
    const now = new Date();
    await tx.update(recallNotices).set({ acknowledgedAt: now }).where(eq(recallNotices.id, noticeId));
    await recordAudit(tx, {
      actor: caller.id,
      action: 'request.recall_acknowledged',
      entityType: 'request',
      entityId: notice.requestId,
      after: { batch: notice.batchId, acknowledgedAt: now.toISOString() },
    });
    await addEvent(tx, {
      requestId: notice.requestId,
      kind: 'notice',
      caller,
      data: { recallAcknowledged: notice.batchId },
    });
    return ok(undefined);
  });
}

/** The look-back list of a batch, for staff: who received it, notified when, acknowledged when. */
export async function recallNoticesOf(db: Executor, batchId: number) {
  return db
    .select({
      id: recallNotices.id,
      requestId: recallNotices.requestId,
      kind: recallNotices.kind,
      state: requests.state,
      requester: accounts.displayName,
      email: accounts.email,
      institution: requests.institution,
      notifiedAt: recallNotices.notifiedAt,
      acknowledgedAt: recallNotices.acknowledgedAt,
    })
    .from(recallNotices)
    .innerJoin(accounts, eq(accounts.id, recallNotices.requesterId))
    .innerJoin(requests, eq(requests.id, recallNotices.requestId))
    .where(eq(recallNotices.batchId, batchId));
}

export async function recallNoticesForRequester(db: Executor, requesterId: string) {
  return db
    .select({
      id: recallNotices.id,
      requestId: recallNotices.requestId,
      batch: batches.number,
      reason: recallNotices.reason,
      notifiedAt: recallNotices.notifiedAt,
      acknowledgedAt: recallNotices.acknowledgedAt,
    })
    .from(recallNotices)
    .innerJoin(batches, eq(batches.id, recallNotices.batchId))
    .where(eq(recallNotices.requesterId, requesterId));
}

/** A batch as staff see it on its status page (counters included). */
export async function batchForStaff(db: Executor, number: string) {
  const [batch] = await db
    .select({
      id: batches.id,
      number: batches.number,
      status: batches.releaseStatus,
      available: batches.vialsAvailable,
      reserved: batches.vialsReserved,
      shipped: batches.vialsShipped,
    })
    .from(batches)
    .where(sql`lower(${batches.number}) = lower(${number})`);
  return batch;
}

export async function batchById(db: Executor, id: number) {
  const [batch] = await db.select({ id: batches.id, lineId: batches.lineId }).from(batches).where(eq(batches.id, id));
  return batch;
}
