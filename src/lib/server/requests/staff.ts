/**
 * The bank's side of a request: screening, asking for information, approving
 * (whole or in part, signed), rejecting and cancelling with a reason,
 * releasing with the batch's CoA version attached (signed), the outbound
 * (出库) prepared by an operator and reviewed by a second staff member (both
 * signed), and closing. Messages go both ways.
 */
import { checklistOpen, outboundOpen } from './states.ts';
import { and, eq } from 'drizzle-orm';
import type { Database, Executor } from '#db/client.ts';
import { accounts } from '#db/schema/accounts.ts';
import { batches } from '#db/schema/batches.ts';
import { lines } from '#db/schema/catalog.ts';
import { outboundRecords, requestItems, type Request } from '#db/schema/requests.ts';
import { moveStock } from '#server/catalog/stock.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { agreementStatusOf } from './agreements.ts';
import { officialStatusOf } from './official.ts';
import {
  actorKind,
  addEvent,
  chainFacts,
  changeState,
  correctFields,
  fail,
  lockBatchesThenRequest,
  lockRequest,
  ok,
  transact,
  unreleasedBatchOf,
  type Caller,
  type Result,
} from './core.ts';
import { notify, requestLink } from './notifications.ts';
import { checkPassword, sign } from './signatures.ts';
import { heldByRequest, releaseReservations } from './reservations.ts';
import { assertPickConfirmed, markPickedVialsShipped, PickNotConfirmed } from '#server/bank/picking.ts';
import { itemTermsOf } from './requester.ts';
import { checkTerms } from './terms.ts';

/** The one screening checklist: each check the portal computes, and staff tick (a check the portal finds false cannot be ticked). */
export const checklistKeys = ['agreement', 'ethics', 'terms', 'grade', 'official'] as const;
export type ChecklistKey = (typeof checklistKeys)[number];

/** What the portal can tell by itself for each screening check (staff still tick them). */
export async function screeningFacts(db: Executor, request: Request): Promise<Record<ChecklistKey, boolean>> {
  const { statuses, missing } = await agreementStatusOf(db, request.id);
  const items = await itemTermsOf(db, request.id);
  const problems = checkTerms(request.useCategory, items);
  return {
    agreement: missing.length === 0 && statuses.length > 0 && statuses.every((s) => s.accepted),
    ethics: request.ethicsReference.trim().length > 0,
    terms: !problems.some((p) => p.code !== 'clinical_grade_needed'),
    grade: !problems.some((p) => p.code === 'clinical_grade_needed'),
    official: (await officialStatusOf(db, request)) === 'confirmed',
  };
}

export async function startReview(db: Database, caller: Caller, requestId: number): Promise<Result<Request>> {
  return transact(db, async (tx) => {
    const request = await lockRequest(tx, requestId, caller);
    if (!request) return fail({ code: 'not_found' });
    return changeState(tx, request, 'under_review', caller, {});
  });
}

/** Staff tick the checklist; a check the portal knows to be false cannot be ticked. */
export async function updateChecklist(
  db: Database,
  caller: Caller,
  requestId: number,
  ticked: ChecklistKey[],
): Promise<Result<Request>> {
  return transact(db, async (tx) => {
    const request = await lockRequest(tx, requestId, caller);
    if (!request) return fail({ code: 'not_found' });
    if (!checklistOpen(request.state))
      return fail({ code: 'conflict', message: 'the checklist is filled during review' });
    const facts = await screeningFacts(tx, request);
    const refused = ticked.find((k) => !facts[k]);
    if (refused)
      return fail({
        code: 'invalid',
        field: `check-${refused}`,
        message: `the portal finds "${refused}" not satisfied`,
      });
    const checklist = Object.fromEntries(checklistKeys.map((k) => [k, ticked.includes(k)]));
    return ok(await correctFields(tx, request, caller, { checklist }, 'screening checklist', false));
  });
}

export async function requestInformation(
  db: Database,
  caller: Caller,
  requestId: number,
  question: string,
): Promise<Result<Request>> {
  return transact(db, async (tx) => {
    const request = await lockRequest(tx, requestId, caller);
    if (!request) return fail({ code: 'not_found' });
    return changeState(tx, request, 'information_requested', caller, {}, { comment: question });
  });
}

/** Approves (signed): per item the vials approved, up to what was asked; 0 refuses that item. */
export async function approveRequest(
  db: Database,
  caller: Caller,
  requestId: number,
  input: { password: string; quantities: Record<number, number>; comment?: string },
): Promise<Result<Request>> {
  const signer = await checkPassword(db, caller, input.password);
  if (!signer.ok) return signer;
  return transact(db, async (tx) => {
    const request = await lockRequest(tx, requestId, caller);
    if (!request) return fail({ code: 'not_found' });
    const items = await tx
      .select()
      .from(requestItems)
      .where(and(eq(requestItems.requestId, requestId), eq(requestItems.active, true)));
    const approved = items.map((i) => ({ item: i, quantity: input.quantities[i.id] ?? i.quantity }));
    const bad = approved.find((a) => !Number.isInteger(a.quantity) || a.quantity < 0 || a.quantity > a.item.quantity);
    if (bad)
      return fail({
        code: 'invalid',
        field: `approve-${bad.item.id}`,
        message: `approve between 0 and ${bad.item.quantity} vials`,
      });
    // Every computable check is made again now, at the moment of signing: what was ticked earlier is not trusted alone.
    const now = await screeningFacts(tx, request);
    const facts = {
      officialConfirmed: now.official,
      checklistComplete: checklistKeys.every((k) => request.checklist[k] === true && now[k]),
      agreementsCurrent: now.agreement,
      anythingApproved: approved.some((a) => a.quantity > 0),
    };
    for (const a of approved)
      await tx.update(requestItems).set({ approvedQuantity: a.quantity }).where(eq(requestItems.id, a.item.id));
    const partial = approved.some((a) => a.quantity < a.item.quantity);
    // A refused move rolls back the quantities written above (transact).
    return changeState(tx, request, 'approved', caller, facts, {
      comment: input.comment ?? null,
      signer: signer.value,
      set: { approvedBy: caller.id },
      data: {
        partial,
        approved: approved.map((a) => ({ item: a.item.id, asked: a.item.quantity, approved: a.quantity })),
      },
    });
  });
}

export async function rejectRequest(
  db: Database,
  caller: Caller,
  requestId: number,
  reason: string,
): Promise<Result<Request>> {
  return transact(db, async (tx) => {
    const request = await lockBatchesThenRequest(tx, requestId, caller);
    if (!request) return fail({ code: 'not_found' });
    return changeState(tx, request, 'rejected', caller, { reason }, { set: { rejectionReason: reason } });
  });
}

export async function cancelRequest(
  db: Database,
  caller: Caller,
  requestId: number,
  reason: string,
): Promise<Result<Request>> {
  return transact(db, async (tx) => {
    const request = await lockBatchesThenRequest(tx, requestId, caller);
    if (!request) return fail({ code: 'not_found' });
    // Stock moves before the state change: the audit head is locked last (core.ts, lock order).
    await releaseReservations(tx, request, caller, 'cancelled');
    return changeState(tx, request, 'cancelled', caller, { reason });
  });
}

/** The certificate of analysis as it stands: the batch's entry version and QC digest. */
async function coaVersionOf(tx: Executor, batchId: number): Promise<string> {
  const [b] = await tx
    .select({ number: batches.number, version: batches.entryVersion, qc: batches.qcDigest })
    .from(batches)
    .where(eq(batches.id, batchId));
  return `${b?.number} v${b?.version}${b?.qc ? ` QC ${b.qc.slice(0, 12)}` : ''}`;
}

/** Releases (signed): each item gets its batch's CoA version, fixed from now on. */
export async function releaseRequest(
  db: Database,
  caller: Caller,
  requestId: number,
  password: string,
): Promise<Result<Request>> {
  const signer = await checkPassword(db, caller, password);
  if (!signer.ok) return signer;
  return transact(db, async (tx) => {
    const request = await lockBatchesThenRequest(tx, requestId, caller);
    if (!request) return fail({ code: 'not_found' });
    const unreleased = await unreleasedBatchOf(tx, requestId);
    if (unreleased) return fail({ code: 'batch_not_released', batch: unreleased.number, status: unreleased.status });
    const items = await tx
      .select()
      .from(requestItems)
      .where(and(eq(requestItems.requestId, requestId), eq(requestItems.active, true)));
    const coa: Record<number, string> = {};
    for (const item of items) {
      if (!item.batchId || !item.approvedQuantity) continue;
      coa[item.id] = await coaVersionOf(tx, item.batchId);
      await tx.update(requestItems).set({ coaVersion: coa[item.id] }).where(eq(requestItems.id, item.id));
    }
    return changeState(tx, request, 'released', caller, {}, { signer: signer.value, data: { coa } });
  });
}

export interface OutboundInput {
  password: string;
  plannedDate: string;
  actualDate: string;
}

/**
 * The operator prepares the outbound record (出库, 操作人) and signs it
 * ("executed"): dates now, batches and vials from the released items. Nothing
 * leaves until a second staff member reviews it (`reviewOutbound`).
 */
export async function prepareOutbound(
  db: Database,
  caller: Caller,
  requestId: number,
  input: OutboundInput,
): Promise<Result<Request>> {
  const signer = await checkPassword(db, caller, input.password);
  if (!signer.ok) return signer;
  return transact(db, async (tx) => {
    const request = await lockBatchesThenRequest(tx, requestId, caller);
    if (!request) return fail({ code: 'not_found' });
    if (!outboundOpen(request.state, await chainFacts(tx, requestId)))
      return fail({ code: 'transition', error: { code: 'illegal', from: request.state, to: 'shipped' } });
    if (actorKind(caller, request) !== 'staff')
      return fail({
        code: 'transition',
        error: { code: 'not_yours', from: request.state, to: 'shipped', by: 'requester' },
      });
    if (request.outboundPreparedBy)
      return fail({ code: 'conflict', message: 'the outbound record is prepared already and awaits its review' });
    const unreleased = await unreleasedBatchOf(tx, requestId);
    if (unreleased) return fail({ code: 'batch_not_released', batch: unreleased.number, status: unreleased.status });
    const signature = await sign(
      tx,
      signer.value,
      'executed',
      { type: 'request', id: requestId },
      `${input.plannedDate} / ${input.actualDate}`,
    );
    const prepared = await correctFields(
      tx,
      request,
      caller,
      {
        outboundPreparedBy: caller.id,
        outboundPreparedAt: new Date(),
        outboundPlannedDate: input.plannedDate,
        outboundActualDate: input.actualDate,
      },
      'outbound record prepared',
      false,
    );
    await addEvent(tx, {
      requestId,
      kind: 'signature',
      caller,
      data: { signature: signature.id, outboundPrepared: true },
      visibleToRequester: false,
    });
    return ok(prepared);
  });
}

/**
 * A second staff member checks the prepared outbound record and signs it
 * ("reviewed", 审核人); then the vials leave: one 出库 record per item, the
 * reserved vials become shipped in the ledger. The database refuses the same
 * person as operator and reviewer. The request becomes shipped when the
 * dispatch is recorded.
 */
export async function reviewOutbound(
  db: Database,
  caller: Caller,
  requestId: number,
  password: string,
): Promise<Result<Request>> {
  const signer = await checkPassword(db, caller, password);
  if (!signer.ok) return signer;
  return transact(db, async (tx) => {
    const request = await lockBatchesThenRequest(tx, requestId, caller);
    if (!request) return fail({ code: 'not_found' });
    if (!outboundOpen(request.state, await chainFacts(tx, requestId)))
      return fail({ code: 'transition', error: { code: 'illegal', from: request.state, to: 'shipped' } });
    if (actorKind(caller, request) !== 'staff')
      return fail({
        code: 'transition',
        error: { code: 'not_yours', from: request.state, to: 'shipped', by: 'requester' },
      });
    if (!request.outboundPreparedBy || !request.outboundPlannedDate || !request.outboundActualDate)
      return fail({ code: 'conflict', message: 'the operator has not prepared the outbound record yet' });
    if (request.outboundPreparedBy === caller.id) return fail({ code: 'same_person' });
    const unreleased = await unreleasedBatchOf(tx, requestId);
    if (unreleased) return fail({ code: 'batch_not_released', batch: unreleased.number, status: unreleased.status });
    // Vials of the bank's own batches (positions recorded) leave only when every label on the pick list was scanned.
    try {
      await assertPickConfirmed(tx, requestId);
    } catch (error) {
      if (!(error instanceof PickNotConfirmed)) throw error;
      const pending = [...error.unscanned, ...error.short.map((s) => `${s.batch} (${s.missing})`)].join(', ');
      return fail({
        code: 'invalid',
        field: 'pickList',
        message: error.message,
        key: 'bank.error.pickNotConfirmed',
        params: { pending },
      });
    }
    const [requester] = await tx.select().from(accounts).where(eq(accounts.id, request.requesterId));
    const [operator] = await tx.select().from(accounts).where(eq(accounts.id, request.outboundPreparedBy));
    const signature = await sign(tx, signer.value, 'reviewed', { type: 'request', id: requestId });
    const held = await heldByRequest(tx, requestId);
    const items = await tx
      .select({ item: requestItems, batchNumber: batches.number, category: lines.category, lineName: lines.name })
      .from(requestItems)
      .innerJoin(lines, eq(lines.id, requestItems.lineId))
      .leftJoin(batches, eq(batches.id, requestItems.batchId))
      .where(and(eq(requestItems.requestId, requestId), eq(requestItems.active, true)));
    let left = 0;
    for (const { item, batchNumber, category, lineName } of items) {
      const quantity = item.batchId ? Math.min(item.approvedQuantity ?? 0, held.get(item.batchId) ?? 0) : 0;
      if (!item.batchId || quantity === 0) continue;
      const moved = await moveStock(tx, {
        batchId: item.batchId,
        kind: 'shipped',
        quantity,
        requestId,
        actor: caller.id,
        reason: `outbound of request ${requestId}`,
      });
      if (!moved.ok)
        return fail({ code: 'conflict', message: `batch ${batchNumber} does not hold the reserved vials` });
      held.set(item.batchId, (held.get(item.batchId) ?? 0) - quantity);
      left += quantity;
      await tx.insert(outboundRecords).values({
        requestId,
        requestItemId: item.id,
        applicantName: `${requester!.displayName}`,
        applicantInstitution: request.institution,
        applicantContact: `${request.contactPhone} ${request.contactEmail}`.trim(),
        purpose: request.purpose,
        cellType: `${lineName} (${category})`,
        batchId: item.batchId,
        batchNumber: batchNumber!,
        quantity,
        plannedDate: request.outboundPlannedDate,
        actualDate: request.outboundActualDate,
        operatorId: operator!.id,
        operatorName: operator!.displayName,
        reviewerId: caller.id,
        reviewerName: signer.value.name,
      });
    }
    if (left === 0) return fail({ code: 'conflict', message: 'the request holds no reserved vials to send' });
    // The picked vials leave their positions (a position never holds a vial that left).
    await markPickedVialsShipped(tx, requestId);
    await addEvent(tx, {
      requestId,
      kind: 'signature',
      caller,
      data: { signature: signature.id, outboundReviewed: true, vials: left },
    });
    await recordAudit(tx, {
      actor: caller.id,
      action: 'request.outbound_recorded',
      entityType: 'request',
      entityId: requestId,
      after: {
        operator: operator!.displayName,
        reviewer: signer.value.name,
        plannedDate: request.outboundPlannedDate,
        actualDate: request.outboundActualDate,
        vials: left,
        signature: signature.id,
      },
    });
    return ok(request);
  });
}

export async function closeRequest(
  db: Database,
  caller: Caller,
  requestId: number,
  comment?: string,
): Promise<Result<Request>> {
  return transact(db, async (tx) => {
    const request = await lockRequest(tx, requestId, caller);
    if (!request) return fail({ code: 'not_found' });
    return changeState(tx, request, 'closed', caller, {}, { comment: comment ?? null });
  });
}

/** A message on the timeline; staff may keep a note internal. The other side is told by mail. */
export async function postMessage(
  db: Database,
  caller: Caller,
  requestId: number,
  body: string,
  internal = false,
): Promise<Result<void>> {
  return transact(db, async (tx) => {
    const request = await lockRequest(tx, requestId, caller);
    if (!request) return fail({ code: 'not_found' });
    const fromRequester = caller.id === request.requesterId;
    await addEvent(tx, { requestId, kind: 'message', caller, body, visibleToRequester: fromRequester || !internal });
    if (!fromRequester && !internal) {
      const [requester] = await tx
        .select({ email: accounts.email, locale: accounts.locale })
        .from(accounts)
        .where(eq(accounts.id, request.requesterId));
      if (requester)
        await notify(tx, requester, (t, locale) => ({
          subject: t('request.mail.messageSubject', { id: String(requestId) }),
          body: `${body}\n\n${requestLink(locale, requestId)}`,
        }));
    }
    return ok(undefined);
  });
}
