/**
 * The requester's side: the basket (a draft request filled from line and
 * batch pages), the saved draft, submission with the agreements accepted,
 * answering a request for information, messages, withdrawal, receipt, and
 * the institutional official's sign-off through a mailed link.
 */
import { isDraft, itemsEditable, fieldsEditable } from './states.ts';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database, Executor } from '#db/client.ts';
import { accounts } from '#db/schema/accounts.ts';
import { batches } from '#db/schema/batches.ts';
import { lines } from '#db/schema/catalog.ts';
import { requestItems, requests, type Request, type UseCategory } from '#db/schema/requests.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { acceptAgreements, agreementStatusOf } from './agreements.ts';
import {
  addEvent,
  changeState,
  correctFields,
  fail,
  lockBatchesThenRequest,
  lockRequest,
  ok,
  transact,
  type Caller,
  type Result,
} from './core.ts';
import { mailStaff } from './notifications.ts';
import { publicOrigin } from '#server/platform/config.ts';
import { mailOfficial, officialEmailProblem, officialStatusOf } from './official.ts';
import { priceFor } from './prices.ts';
import { releaseReservations } from './reservations.ts';
import { checkTerms } from './terms.ts';

export interface BasketItemInput {
  line: string;
  batch?: string;
  quantity: number;
}

/** The caller's newest draft, created when there is none: the basket. */
async function currentDraft(tx: Executor, caller: Caller, locale: string): Promise<Request> {
  const [draft] = await tx
    .select()
    .from(requests)
    .where(and(eq(requests.requesterId, caller.id), eq(requests.state, 'draft')))
    .orderBy(desc(requests.id))
    .limit(1)
    .for('update');
  if (draft) return draft;
  const [account] = await tx.select().from(accounts).where(eq(accounts.id, caller.id));
  const [created] = await tx
    .insert(requests)
    .values({
      requesterId: caller.id,
      institution: account?.institution ?? '',
      contactEmail: account?.email ?? '',
      principalInvestigator: account?.displayName ?? '',
      locale,
    })
    .returning();
  await recordAudit(tx, {
    actor: caller.id,
    action: 'request.drafted',
    entityType: 'request',
    entityId: created!.id,
    after: { state: 'draft' },
  });
  await addEvent(tx, { requestId: created!.id, kind: 'state', toState: 'draft', caller });
  return created!;
}

/** Puts a line (optionally one batch of it) into the basket; the same line and batch again adds vials. */
export async function addToBasket(
  db: Database,
  caller: Caller,
  input: BasketItemInput,
  locale = 'en',
): Promise<Result<{ requestId: number }>> {
  return transact(db, async (tx) => {
    const [line] = await tx
      .select({ id: lines.id, name: lines.name, status: lines.status })
      .from(lines)
      .where(sql`lower(${lines.name}) = lower(${input.line})`);
    if (line?.status !== 'published')
      return fail({ code: 'invalid', field: 'line', message: `no line "${input.line}" in the catalog` });
    let batchId: number | null = null;
    if (input.batch) {
      const [batch] = await tx
        .select({ id: batches.id, lineId: batches.lineId, status: batches.releaseStatus })
        .from(batches)
        .where(sql`lower(${batches.number}) = lower(${input.batch})`);
      if (!batch || batch.lineId !== line.id)
        return fail({
          code: 'invalid',
          field: 'batch',
          message: `batch "${input.batch}" is not a batch of ${line.name}`,
        });
      if (batch.status !== 'released')
        return fail({
          code: 'invalid',
          field: 'batch',
          message: `batch "${input.batch}" is not released for distribution`,
        });
      batchId = batch.id;
    }
    const draft = await currentDraft(tx, caller, locale);
    const [same] = await tx
      .select()
      .from(requestItems)
      .where(
        and(
          eq(requestItems.requestId, draft.id),
          eq(requestItems.lineId, line.id),
          batchId ? eq(requestItems.batchId, batchId) : sql`${requestItems.batchId} IS NULL`,
          eq(requestItems.active, true),
        ),
      );
    const quantity = (same?.quantity ?? 0) + input.quantity;
    if (quantity > 1000) return fail({ code: 'invalid', field: 'quantity', message: 'at most 1,000 vials per item' });
    if (same) await tx.update(requestItems).set({ quantity }).where(eq(requestItems.id, same.id));
    else await tx.insert(requestItems).values({ requestId: draft.id, lineId: line.id, batchId, quantity });
    await recordAudit(tx, {
      actor: caller.id,
      action: 'request.item_added',
      entityType: 'request',
      entityId: draft.id,
      before: same ? { line: line.name, batch: input.batch ?? null, quantity: same.quantity } : null,
      after: { line: line.name, batch: input.batch ?? null, quantity },
    });
    return ok({ requestId: draft.id });
  });
}

/** Takes an item out of a draft (kept as inactive: nothing is deleted). */
export async function removeFromBasket(
  db: Database,
  caller: Caller,
  requestId: number,
  itemId: number,
): Promise<Result<void>> {
  return transact(db, async (tx) => {
    const request = await lockRequest(tx, requestId, caller);
    if (!request || request.requesterId !== caller.id) return fail({ code: 'not_found' });
    if (!itemsEditable(request.state)) return fail({ code: 'conflict', message: 'only a draft can change its items' });
    const [item] = await tx
      .update(requestItems)
      .set({ active: false })
      .where(and(eq(requestItems.id, itemId), eq(requestItems.requestId, requestId), eq(requestItems.active, true)))
      .returning();
    if (!item) return fail({ code: 'not_found' });
    await recordAudit(tx, {
      actor: caller.id,
      action: 'request.item_removed',
      entityType: 'request',
      entityId: requestId,
      before: { item: item.id, quantity: item.quantity },
    });
    return ok(undefined);
  });
}

export interface DraftFields {
  projectTitle: string;
  purpose: string;
  principalInvestigator: string;
  institution: string;
  ethicsReference: string;
  useCategory: UseCategory;
  shippingAddress: string;
  contactPhone: string;
  contactEmail: string;
  officialName: string;
  officialEmail: string;
}

const requiredFields: (keyof DraftFields)[] = [
  'projectTitle',
  'purpose',
  'principalInvestigator',
  'institution',
  'ethicsReference',
  'shippingAddress',
  'contactPhone',
  'contactEmail',
  'officialName',
  'officialEmail',
];

/** Saves what the requester typed (a draft, or an answer while information is requested). */
export async function saveDraft(
  db: Database,
  caller: Caller,
  requestId: number,
  fields: DraftFields,
  items: { id: number; quantity: number }[] = [],
): Promise<Result<Request>> {
  return transact(db, async (tx) => {
    const request = await lockRequest(tx, requestId, caller);
    if (!request || request.requesterId !== caller.id) return fail({ code: 'not_found' });
    if (!fieldsEditable(request.state))
      return fail({ code: 'conflict', message: 'the request can no longer be edited' });
    for (const item of items) {
      const [row] = await tx
        .select()
        .from(requestItems)
        .where(and(eq(requestItems.id, item.id), eq(requestItems.requestId, requestId), eq(requestItems.active, true)));
      if (!row) return fail({ code: 'invalid', field: `item-${item.id}`, message: 'no such item in this request' });
      if (row.quantity !== item.quantity && itemsEditable(request.state)) {
        await tx.update(requestItems).set({ quantity: item.quantity }).where(eq(requestItems.id, row.id));
        await recordAudit(tx, {
          actor: caller.id,
          action: 'request.item_changed',
          entityType: 'request',
          entityId: requestId,
          before: { item: row.id, quantity: row.quantity },
          after: { item: row.id, quantity: item.quantity },
        });
      }
    }
    const [account] = await tx.select({ email: accounts.email }).from(accounts).where(eq(accounts.id, caller.id));
    if (officialEmailProblem(fields.officialEmail, [account?.email ?? '', fields.contactEmail])) {
      return fail({
        code: 'invalid',
        field: 'officialEmail',
        message: 'the official must be someone else',
        key: 'official_is_requester',
      });
    }
    if (isDraft(request.state)) return ok(await correctFields(tx, request, caller, fields, null));
    // An answer to a request for information: the terms are checked again, and the screening checks it touches are cleared.
    const touched = touchedChecks(request, fields);
    const checklist = Object.fromEntries(
      Object.entries(request.checklist).map(([k, v]) => [k, v && !touched.includes(k)]),
    );
    const saved = await correctFields(
      tx,
      request,
      caller,
      { ...fields, checklist },
      'answer to a request for information',
    );
    const [problem] = await submissionProblems(tx, saved);
    if (problem)
      return fail({
        code: 'invalid',
        field: problem.field,
        message: problem.line ? `${problem.code}: ${problem.line}` : problem.code,
        key: problem.code,
        params: { line: problem.line ?? '', batch: problem.batch ?? '' },
      });
    return ok(saved);
  });
}

/** The screening checks an answer's changes touch: staff tick them again, against the request as it is now. */
function touchedChecks(before: Request, after: DraftFields): string[] {
  const changed = (k: keyof DraftFields) => String(before[k] ?? '').trim() !== String(after[k] ?? '').trim();
  const touched: string[] = [];
  if (changed('useCategory')) touched.push('terms', 'grade');
  if (changed('ethicsReference')) touched.push('ethics');
  if (
    changed('officialName') ||
    changed('officialEmail') ||
    changed('purpose') ||
    changed('useCategory') ||
    changed('projectTitle')
  )
    touched.push('official');
  return touched;
}

/** What stops a draft from being submitted: empty fields, no items, terms of use not respected. */
export async function submissionProblems(
  db: Executor,
  request: Request,
): Promise<{ field: string; code: string; line?: string; batch?: string }[]> {
  const problems: { field: string; code: string; line?: string; batch?: string }[] = [];
  for (const f of requiredFields) if (!String(request[f] ?? '').trim()) problems.push({ field: f, code: 'required' });
  const items = await itemTermsOf(db, request.id);
  if (!items.length) problems.push({ field: 'items', code: 'empty' });
  // A batch recalled (or otherwise withdrawn from distribution) since it went into the basket cannot be requested.
  for (const i of items)
    if (i.batchNumber && i.batchStatus !== 'released')
      problems.push({ field: 'items', code: 'batch_not_released', line: i.lineName, batch: i.batchNumber });
  for (const p of checkTerms(request.useCategory, items))
    problems.push({ field: 'useCategory', code: p.code, line: p.line });
  return problems;
}

export async function itemTermsOf(db: Executor, requestId: number) {
  const rows = await db
    .select({
      lineName: lines.name,
      useRestrictions: lines.useRestrictions,
      batchNumber: batches.number,
      batchGrade: batches.grade,
      batchStatus: batches.releaseStatus,
    })
    .from(requestItems)
    .innerJoin(lines, eq(lines.id, requestItems.lineId))
    .leftJoin(batches, eq(batches.id, requestItems.batchId))
    .where(and(eq(requestItems.requestId, requestId), eq(requestItems.active, true)));
  return rows;
}

/**
 * Submits a complete draft: accepts the current agreements (version, SHA-256,
 * time), fixes each item's price, and mails the institutional official a link
 * to confirm.
 */
export async function submitRequest(
  db: Database,
  caller: Caller,
  requestId: number,
  acceptedAgreements: boolean,
): Promise<Result<Request>> {
  return transact(db, async (tx) => {
    const request = await lockRequest(tx, requestId, caller);
    if (!request || request.requesterId !== caller.id) return fail({ code: 'not_found' });
    if (!acceptedAgreements)
      return fail({
        code: 'invalid',
        field: 'acceptAgreement',
        message: 'accept the material transfer agreement to submit',
        key: 'agreement_required',
      });
    const problems = await submissionProblems(tx, request);
    const first = problems[0];
    if (first)
      return fail({
        code: 'invalid',
        field: first.field,
        message: first.line ? `${first.code}: ${first.line}` : first.code,
        key: first.code,
        params: { line: first.line ?? '', batch: first.batch ?? '' },
      });
    const accepted = await acceptAgreements(tx, requestId, caller);
    if (!accepted.ok) return accepted;
    const items = await tx
      .select()
      .from(requestItems)
      .where(and(eq(requestItems.requestId, requestId), eq(requestItems.active, true)));
    for (const item of items) {
      const price = await priceFor(tx, item.lineId, item.batchId, request.useCategory);
      if (price)
        await tx
          .update(requestItems)
          .set({ pricePerVial: price.amount, currency: price.currency })
          .where(eq(requestItems.id, item.id));
    }
    const changed = await changeState(
      tx,
      request,
      'submitted',
      caller,
      { complete: true },
      { set: { submittedAt: new Date() } },
    );
    if (!changed.ok) return changed;
    await mailOfficial(tx, changed.value);
    await mailStaff(tx, (t, locale) => ({
      subject: t('request.mail.submittedSubject', { id: String(requestId) }),
      body: `${t('request.mail.submittedBody', { id: String(requestId), institution: request.institution })}\n\n${publicOrigin()}${locale === 'zh' ? '/zh' : ''}/staff/requests/${requestId}`,
    }));
    return changed;
  });
}

/** Answers a request for information: the message goes on the timeline and the request back to review. */
export async function answerInformationRequest(
  db: Database,
  caller: Caller,
  requestId: number,
  message: string,
): Promise<Result<Request>> {
  return transact(db, async (tx) => {
    const request = await lockRequest(tx, requestId, caller);
    if (!request || request.requesterId !== caller.id) return fail({ code: 'not_found' });
    const accepted = await acceptAgreements(tx, requestId, caller);
    if (!accepted.ok) return accepted;
    const answered = await changeState(tx, request, 'under_review', caller, {}, { comment: message, notify: false });
    // The official confirms the request as it is now: asked again when the answer changed what they confirmed.
    if (answered.ok && (await officialStatusOf(tx, answered.value)) !== 'confirmed')
      await mailOfficial(tx, answered.value);
    return answered;
  });
}

export async function withdrawRequest(
  db: Database,
  caller: Caller,
  requestId: number,
  reason: string,
): Promise<Result<Request>> {
  return transact(db, async (tx) => {
    const request = await lockBatchesThenRequest(tx, requestId, caller);
    if (!request || request.requesterId !== caller.id) return fail({ code: 'not_found' });
    // Stock moves before the state change: the audit head is locked last (core.ts, lock order).
    await releaseReservations(tx, request, caller, 'withdrawn');
    return changeState(tx, request, 'withdrawn', caller, { reason }, { comment: reason || null });
  });
}

export interface ReceiptInput {
  condition: string;
  /** What the requester knows of the arrival: staff confirm it into the transport record rather than retype it. */
  arrivedAt?: Date;
  receiver?: string;
  arrivalTempC?: number;
}

/** The requester confirms receipt, saying in what condition the vials arrived (and, if they know, when, to whom, how cold). */
export async function confirmReceipt(
  db: Database,
  caller: Caller,
  requestId: number,
  input: ReceiptInput,
): Promise<Result<Request>> {
  return transact(db, async (tx) => {
    const request = await lockRequest(tx, requestId, caller);
    if (!request || request.requesterId !== caller.id) return fail({ code: 'not_found' });
    return changeState(
      tx,
      request,
      'received',
      caller,
      {},
      {
        comment: input.condition,
        set: {
          arrivalCondition: input.condition,
          receiptArrivedAt: input.arrivedAt ?? null,
          receiptReceiver: input.receiver || null,
          receiptTempC: input.arrivalTempC === undefined ? null : String(input.arrivalTempC),
        },
      },
    );
  });
}

/** Re-accepts agreements whose version changed while the request was open. */
export async function reacceptAgreements(db: Database, caller: Caller, requestId: number): Promise<Result<void>> {
  return transact(db, async (tx) => {
    const request = await lockRequest(tx, requestId, caller);
    if (!request || request.requesterId !== caller.id) return fail({ code: 'not_found' });
    const r = await acceptAgreements(tx, requestId, caller);
    return r.ok ? ok(undefined) : r;
  });
}

export { agreementStatusOf };
export { answerAsOfficial, confirmAsOfficial, OFFICIAL_LINK_LIFETIME_MS } from './official.ts';
