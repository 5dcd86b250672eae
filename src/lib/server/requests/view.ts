/**
 * The one loader of every page that shows one request: the requester's page
 * and printable record, the staff page and printable record. The audience is
 * part of the question, not a flag a page may forget: a requester's view is
 * read with the requester's own identity (anyone else's request is "not
 * found") and is built from a list of fields, so nothing staff-only (the
 * official's domain warning, who prepared the outbound) can ride along; no
 * part of it reads donors or storage locations at all.
 */
import type { Executor } from '#db/client.ts';
import type { Caller } from './core.ts';
import { batchesForBasket, type RequestDetail, requestDetail } from './queries.ts';
import { type ChecklistKey, screeningFacts } from './staff.ts';

/** Who is looking: the signed-in account, and through which door. */
export type Viewer = RequesterViewer | StaffViewer;
export type RequesterViewer = { audience: 'requester'; id: string; name: string };
export type StaffViewer = { audience: 'staff'; id: string; name: string; role: Caller['role'] };

/** What a requester sees of their own request: the detail less every staff-only field. */
export type RequesterDetail = Omit<RequestDetail, 'officialDomainDiffers' | 'preparerName' | 'approverName'>;

/** A released batch offered for one approved line of the request, when the staff reserve vials. */
export interface ReservationChoice {
  item: RequestDetail['items'][number];
  batches: Awaited<ReturnType<typeof batchesForBasket>>;
}

export type RequestView =
  | { audience: 'requester'; detail: RequesterDetail }
  | {
      audience: 'staff';
      detail: RequestDetail;
      /** The checklist as the portal computes it, when the checklist step is open. */
      screening?: Record<ChecklistKey, boolean>;
      /** The batches to choose from, when the reserve step is open. */
      reservationChoices: ReservationChoice[];
    };

export type StaffView = Extract<RequestView, { audience: 'staff' }>;
export type RequesterView = Extract<RequestView, { audience: 'requester' }>;

export interface LoadOptions {
  /** False for the printable record: no forms, so no screening facts or batch choices to read. */
  forms?: boolean;
}

/** The request id of a URL segment: digits only (anything else is "not found", never an error page). */
export function parseRequestId(raw: string | undefined): number | undefined {
  return raw && /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}

/** One request as `viewer` may see it, or undefined when it does not exist for them. */
export async function loadRequestView(
  db: Executor,
  rawId: string | undefined,
  viewer: RequesterViewer,
  options?: LoadOptions,
): Promise<RequesterView | undefined>;
export async function loadRequestView(
  db: Executor,
  rawId: string | undefined,
  viewer: StaffViewer,
  options?: LoadOptions,
): Promise<StaffView | undefined>;
export async function loadRequestView(
  db: Executor,
  rawId: string | undefined,
  viewer: Viewer,
  options: LoadOptions = {},
): Promise<RequestView | undefined> {
  const id = parseRequestId(rawId);
  if (id === undefined) return undefined;
  if (viewer.audience === 'requester') {
    // Read as the requester whatever the account's role: a staff member's own request is theirs, no one else's.
    const detail = await requestDetail(db, id, { id: viewer.id, name: viewer.name, role: 'requester' });
    return detail && { audience: 'requester', detail: requesterDetail(detail) };
  }
  // The staff door is for staff and admins only (the middleware says so too): a requester finds nothing here.
  if (viewer.role === 'requester') return undefined;
  const detail = await requestDetail(db, id, { id: viewer.id, name: viewer.name, role: viewer.role });
  if (!detail) return undefined;
  const forms = options.forms ?? true;
  const screening = forms && detail.moves.has('checklist') ? await screeningFacts(db, detail.request) : undefined;
  const reservationChoices =
    forms && detail.moves.has('reserve')
      ? await Promise.all(
          detail.items
            .filter((item) => !item.batchId && (item.approvedQuantity ?? 0) > 0)
            .map(async (item) => ({ item, batches: await batchesForBasket(db, item.lineId) })),
        )
      : [];
  return { audience: 'staff', detail, screening, reservationChoices };
}

/** Field by field, so a field added to the detail for staff stays out of the requester's view until listed here. */
function requesterDetail(d: RequestDetail): RequesterDetail {
  return {
    moves: d.moves,
    facts: d.facts,
    official: d.official,
    request: d.request,
    requester: d.requester,
    items: d.items,
    timeline: d.timeline,
    agreements: d.agreements,
    signatures: d.signatures,
    outbound: d.outbound,
    shipment: d.shipment,
    curve: d.curve,
    deviations: d.deviations,
    recalls: d.recalls,
  };
}
