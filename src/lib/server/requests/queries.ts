/**
 * Reads of the request chain for pages, the JSON API and exports. A
 * requester's reads are scoped to their own requests in the query itself.
 */
import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '#db/client.ts';
import { accounts } from '#db/schema/accounts.ts';
import { batches } from '#db/schema/batches.ts';
import { lines } from '#db/schema/catalog.ts';
import {
  outboundRecords,
  requestEvents,
  requestItems,
  requests,
  requestStates,
  type Request,
  type RequestState,
} from '#db/schema/requests.ts';
import { getConfig } from '#server/platform/config.ts';
import { actorKind, chainFacts, findRequest, type Caller } from './core.ts';
import { agreementStatusOf } from './agreements.ts';
import { officialDomainDiffers, officialStatusOf } from './official.ts';
import { recallNoticesForRequester } from './recall.ts';
import { curveOf } from './curve.ts';
import { deviationsOf, shipmentOf } from './shipments.ts';
import { signaturesOfRecord } from './signatures.ts';
import { allowedMoves, holderOf, isOpen, type MoveFacts, inBankQueue } from './states.ts';

export interface RequestSummary {
  id: number;
  projectTitle: string;
  state: RequestState;
  holder: (typeof holderOf)[RequestState];
  stateChangedAt: Date;
  createdAt: Date;
  requester: string;
  institution: string;
  ageDays: number;
  stale: boolean;
  openDeviations: number;
  lines: string[];
  /** Numbers of batches the request uses that are no longer released for distribution (recalled …). */
  withdrawnBatches: string[];
}

export interface QueueFilters {
  state?: RequestState;
  line?: string;
  institution?: string;
  olderThanDays?: number;
  requesterId?: string;
  /** Only requests still open (not draft): the staff queue, unless it asks for one state. */
  openOnly?: boolean;
}

const DAY = 86_400_000;

export async function listRequests(
  db: Executor,
  filters: QueueFilters,
  now = new Date(),
  limit = 200,
): Promise<RequestSummary[]> {
  const where: SQL[] = [];
  if (filters.requesterId) where.push(eq(requests.requesterId, filters.requesterId));
  else where.push(sql`${requests.state} <> 'draft'`);
  if (filters.state) where.push(eq(requests.state, filters.state));
  // In the query, not after it: a page of the oldest rows must not be all finished ones.
  else if (filters.openOnly)
    where.push(
      inArray(
        requests.state,
        requestStates.filter((s) => s !== 'draft' && isOpen(s)),
      ),
    );
  if (filters.institution)
    where.push(sql`${requests.institution} ILIKE ${`%${filters.institution.replace(/[%_\\]/g, '\\$&')}%`}`);
  if (filters.olderThanDays)
    where.push(sql`${requests.stateChangedAt} <= ${new Date(now.getTime() - filters.olderThanDays * DAY)}`);
  if (filters.line)
    where.push(
      sql`EXISTS (SELECT 1 FROM request_items i JOIN lines l ON l.id = i.line_id WHERE i.request_id = ${requests.id} AND i.active AND lower(l.name) LIKE lower(${`${filters.line.replace(/[%_\\]/g, '\\$&')}%`}))`,
    );
  const rows = await db
    .select({ r: requests, requester: accounts.displayName })
    .from(requests)
    .innerJoin(accounts, eq(accounts.id, requests.requesterId))
    .where(and(...where))
    .orderBy(filters.requesterId ? desc(requests.id) : asc(requests.stateChangedAt))
    .limit(limit);
  const ids = rows.map((x) => x.r.id);
  const lineNames = ids.length
    ? await db
        .select({
          requestId: requestItems.requestId,
          name: lines.name,
          batch: batches.number,
          batchStatus: batches.releaseStatus,
        })
        .from(requestItems)
        .innerJoin(lines, eq(lines.id, requestItems.lineId))
        .leftJoin(batches, eq(batches.id, requestItems.batchId))
        .where(and(inArray(requestItems.requestId, ids), eq(requestItems.active, true)))
    : [];
  const reminderDays = getConfig().REMINDER_DAYS;
  return rows.map(({ r, requester }) => {
    const ageDays = Math.floor((now.getTime() - r.stateChangedAt.getTime()) / DAY);
    return {
      id: r.id,
      projectTitle: r.projectTitle,
      state: r.state,
      holder: holderOf[r.state],
      stateChangedAt: r.stateChangedAt,
      createdAt: r.createdAt,
      requester,
      institution: r.institution,
      ageDays,
      stale: holderOf[r.state] === 'bank' && ageDays >= reminderDays,
      openDeviations: r.openDeviations,
      lines: lineNames.filter((l) => l.requestId === r.id).map((l) => l.name),
      withdrawnBatches: isOpen(r.state)
        ? lineNames.filter((l) => l.requestId === r.id && l.batch && l.batchStatus !== 'released').map((l) => l.batch!)
        : [],
    };
  });
}

/** The staff queue, for the page and the API alike: open requests oldest first (or one state when asked). */
export async function staffQueue(
  db: Executor,
  filters: Omit<QueueFilters, 'requesterId' | 'openOnly'>,
  now = new Date(),
): Promise<RequestSummary[]> {
  return listRequests(db, { ...filters, openOnly: true }, now);
}

/** Open requests, and those the bank has held longer than REMINDER_DAYS in one state (the staff dashboard). */
export async function countWaiting(db: Executor, now = new Date()): Promise<{ open: number; stale: number }> {
  // Drafts are the requester's own business until submitted.
  const openStates = requestStates.filter(inBankQueue);
  const bankStates = requestStates.filter((state) => holderOf[state] === 'bank');
  const staleBefore = new Date(now.getTime() - getConfig().REMINDER_DAYS * DAY);
  const [row] = await db
    .select({
      open: sql<number>`count(*) FILTER (WHERE ${inArray(requests.state, openStates)})::int`,
      stale: sql<number>`count(*) FILTER (WHERE ${inArray(requests.state, bankStates)} AND ${requests.stateChangedAt} <= ${staleBefore})::int`,
    })
    .from(requests);
  return { open: row?.open ?? 0, stale: row?.stale ?? 0 };
}

export async function itemsOf(db: Executor, requestId: number) {
  return db
    .select({
      id: requestItems.id,
      lineId: requestItems.lineId,
      lineName: lines.name,
      category: lines.category,
      batchId: requestItems.batchId,
      batchNumber: batches.number,
      batchGrade: batches.grade,
      /** Flagged on the pages when not `released`: a recalled batch never leaves. */
      batchStatus: batches.releaseStatus,
      quantity: requestItems.quantity,
      approvedQuantity: requestItems.approvedQuantity,
      pricePerVial: requestItems.pricePerVial,
      currency: requestItems.currency,
      coaVersion: requestItems.coaVersion,
    })
    .from(requestItems)
    .innerJoin(lines, eq(lines.id, requestItems.lineId))
    .leftJoin(batches, eq(batches.id, requestItems.batchId))
    .where(and(eq(requestItems.requestId, requestId), eq(requestItems.active, true)))
    .orderBy(asc(requestItems.id));
}

/** The timeline; a requester never sees staff-only notes. */
export async function timelineOf(db: Executor, requestId: number, forRequester: boolean) {
  return db
    .select()
    .from(requestEvents)
    .where(
      and(
        eq(requestEvents.requestId, requestId),
        forRequester ? eq(requestEvents.visibleToRequester, true) : undefined,
      ),
    )
    .orderBy(asc(requestEvents.id));
}

export type RequestDetail = NonNullable<Awaited<ReturnType<typeof requestDetail>>>;

/** Everything one request's page shows, if the caller may see it. */
export async function requestDetail(db: Executor, id: number, caller: Caller) {
  const request = await findRequest(db, id, caller);
  if (!request) return undefined;
  const forRequester = caller.role === 'requester' || caller.id === request.requesterId;
  const [requester] = await db
    .select({ name: accounts.displayName, email: accounts.email })
    .from(accounts)
    .where(eq(accounts.id, request.requesterId));
  const [approver] = request.approvedBy
    ? await db.select({ name: accounts.displayName }).from(accounts).where(eq(accounts.id, request.approvedBy))
    : [];
  const shipment = await shipmentOf(db, id);
  const recalls = forRequester
    ? (await recallNoticesForRequester(db, request.requesterId)).filter((n) => n.requestId === id)
    : [];
  const agreements = await agreementStatusOf(db, id);
  const facts: MoveFacts = {
    ...(await chainFacts(db, id)),
    outboundPrepared: Boolean(request.outboundPreparedBy),
    loggerStored: Boolean(shipment?.loggerFileSha256),
    agreementOutdated: agreements.statuses.some((s) => !s.accepted),
  };
  const [preparer] = request.outboundPreparedBy
    ? await db.select({ name: accounts.displayName }).from(accounts).where(eq(accounts.id, request.outboundPreparedBy))
    : [];
  return {
    /** The steps the caller may take now (states.ts): pages build their forms from it. */
    moves: allowedMoves(request.state, actorKind(caller, request), facts),
    facts,
    preparerName: preparer?.name,
    /** The official's answer to the request as it is now: confirmed, lapsed (it changed since), declined or pending. */
    official: await officialStatusOf(db, request),
    officialDomainDiffers: officialDomainDiffers(request, requester!.email),
    request,
    requester: requester!,
    approverName: approver?.name,
    items: await itemsOf(db, id),
    timeline: await timelineOf(db, id, forRequester),
    agreements,
    /** Every signature of the record: the request's own and its deviations' assessments, in the order signed. */
    signatures: await signaturesOfRecord(db, id),
    outbound: await db
      .select()
      .from(outboundRecords)
      .where(eq(outboundRecords.requestId, id))
      .orderBy(asc(outboundRecords.id)),
    shipment,
    curve: shipment ? await curveOf(db, shipment.id) : null,
    deviations: await deviationsOf(db, id),
    recalls,
  };
}

/** What a requester may see of their request over the API (no staff notes, no logger file body). */
export function requestJson(d: RequestDetail, forRequester: boolean) {
  const r: Request = d.request;
  return {
    id: r.id,
    state: r.state,
    holder: holderOf[r.state],
    state_changed_at: r.stateChangedAt.toISOString(),
    project_title: r.projectTitle,
    purpose: r.purpose,
    principal_investigator: r.principalInvestigator,
    institution: r.institution,
    ethics_reference: r.ethicsReference,
    use_category: r.useCategory,
    shipping_address: r.shippingAddress,
    contact_phone: r.contactPhone,
    contact_email: r.contactEmail,
    official: {
      name: r.officialName,
      email: r.officialEmail,
      status: d.official,
      confirmed_at: r.officialConfirmedAt?.toISOString() ?? null,
      declined_at: r.officialDeclinedAt?.toISOString() ?? null,
      decline_reason: r.officialDeclineReason,
    },
    submitted_at: r.submittedAt?.toISOString() ?? null,
    reservation_expires_at: r.reservationExpiresAt?.toISOString() ?? null,
    open_deviations: r.openDeviations,
    items: d.items.map((i) => ({
      id: i.id,
      line: i.lineName,
      batch: i.batchNumber,
      batch_status: i.batchStatus,
      quantity: i.quantity,
      approved_quantity: i.approvedQuantity,
      price_per_vial: i.pricePerVial,
      currency: i.currency,
      coa_version: i.coaVersion,
    })),
    agreements: d.agreements.statuses.map((s) => ({
      code: s.agreement.code,
      title: s.agreement.title,
      version: s.agreement.version,
      sha256: s.agreement.sha256,
      accepted: s.accepted,
      accepted_at: s.acceptedAt?.toISOString() ?? null,
    })),
    signatures: d.signatures.map((s) => ({
      signer: s.signerName,
      meaning: s.meaning,
      signed_at: s.signedAt.toISOString(),
      on: s.entityType === 'deviation' ? `deviation ${s.entityId}` : 'request',
    })),
    timeline: d.timeline.map((e) => ({
      at: e.occurredAt.toISOString(),
      kind: e.kind,
      from: e.fromState,
      to: e.toState,
      actor: e.actorName,
      body: e.body,
      ...(forRequester ? {} : { internal: !e.visibleToRequester }),
    })),
    outbound: d.outbound.map((o) => ({
      batch: o.batchNumber,
      quantity: o.quantity,
      planned_date: o.plannedDate,
      actual_date: o.actualDate,
      operator: o.operatorName,
      reviewer: o.reviewerName,
    })),
    transport: d.shipment
      ? {
          dispatch_at: d.shipment.dispatchAt.toISOString(),
          dispatch_place: d.shipment.dispatchPlace,
          dispatch_temp_c: Number(d.shipment.dispatchTempC),
          required_range_c: [Number(d.shipment.requiredMinC), Number(d.shipment.requiredMaxC)],
          arrival_at: d.shipment.arrivalAt?.toISOString() ?? null,
          arrival_place: d.shipment.arrivalPlace,
          arrival_temp_c: d.shipment.arrivalTempC === null ? null : Number(d.shipment.arrivalTempC),
          carrier: d.shipment.carrier,
          device_number: d.shipment.deviceNumber,
          logger_sha256: d.shipment.loggerFileSha256,
          readings: d.curve?.count ?? 0,
        }
      : null,
    deviations: d.deviations.map((x) => ({
      id: x.id,
      source: x.source,
      description: x.description,
      started_at: x.startedAt?.toISOString() ?? null,
      ended_at: x.endedAt?.toISOString() ?? null,
      extreme_c: x.extremeC === null ? null : Number(x.extremeC),
      closed_at: x.closedAt?.toISOString() ?? null,
      closed_by: x.closedByName,
      assessment: x.assessment,
    })),
  };
}

/** Released batches of a line with vials, for the basket page (public fields only). */
export async function batchesForBasket(db: Executor, lineId: number) {
  return db
    .select({
      id: batches.id,
      number: batches.number,
      grade: batches.grade,
      type: batches.type,
      available: batches.vialsAvailable,
      status: batches.releaseStatus,
    })
    .from(batches)
    .where(and(eq(batches.lineId, lineId), eq(batches.releaseStatus, 'released')))
    .orderBy(desc(batches.vialsAvailable));
}

/** The public facts of a line the basket page shows (published lines only). */
export async function lineForBasket(db: Executor, name: string) {
  const [line] = await db
    .select({
      id: lines.id,
      name: lines.name,
      category: lines.category,
      useRestrictions: lines.useRestrictions,
      agreement: lines.agreement,
    })
    .from(lines)
    .where(and(sql`lower(${lines.name}) = lower(${name})`, eq(lines.status, 'published')));
  return line;
}
