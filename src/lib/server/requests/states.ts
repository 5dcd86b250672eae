/**
 * The request lifecycle, in one pure module (no database, no HTTP): which
 * state may follow which, who may move it, and what each move demands.
 * Every service asks `decideTransition` before it changes a request, so an
 * illegal move is refused in one place, with an error naming both states,
 * before anything is written.
 *
 *   draft -> submitted -> under_review <-> information_requested
 *         -> approved (whole or in part) | rejected (reason)
 *         -> reserved -> released -> shipped -> received -> closed
 *   withdrawn (the requester) and cancelled (staff, reason) before the vials leave;
 *   reserved -> approved when a reservation lapses (the system).
 *
 * While released, the operator prepares the outbound record (signed) and a
 * second staff member reviews it (signed "reviewed"): then the vials leave
 * the stock. Recording the dispatch makes the request shipped; closing needs
 * the dispatch and the arrival. No request ends (closed, cancelled,
 * withdrawn, rejected) with a deviation awaiting its signed assessment.
 */
import type { RequestState, SignatureMeaning } from '#db/schema/requests.ts';

export type Actor = 'requester' | 'staff' | 'system';

export interface Rule {
  to: RequestState;
  by: Actor;
  /** A reason the record must keep (rejection, cancellation). */
  reason?: true;
  /** The staff member re-enters the password; the signature carries this meaning. */
  signature?: SignatureMeaning;
}

const openStates: readonly RequestState[] = [
  'draft',
  'submitted',
  'under_review',
  'information_requested',
  'approved',
  'reserved',
  'released',
  'shipped',
  'received',
];
const beforeShipping: readonly RequestState[] = [
  'draft',
  'submitted',
  'under_review',
  'information_requested',
  'approved',
  'reserved',
  'released',
];

const forward: Partial<Record<RequestState, Rule[]>> = {
  draft: [{ to: 'submitted', by: 'requester' }],
  submitted: [{ to: 'under_review', by: 'staff' }],
  under_review: [
    { to: 'information_requested', by: 'staff' },
    { to: 'approved', by: 'staff', signature: 'approved' },
    { to: 'rejected', by: 'staff', reason: true },
  ],
  information_requested: [{ to: 'under_review', by: 'requester' }],
  approved: [{ to: 'reserved', by: 'staff' }],
  reserved: [
    { to: 'released', by: 'staff', signature: 'released' },
    { to: 'approved', by: 'system' },
  ],
  released: [{ to: 'shipped', by: 'staff' }],
  shipped: [{ to: 'received', by: 'requester' }],
  received: [{ to: 'closed', by: 'staff' }],
};

/** Every allowed move, the forward path plus withdrawal and cancellation. */
export function rulesFrom(state: RequestState): Rule[] {
  const rules = [...(forward[state] ?? [])];
  if (beforeShipping.includes(state)) rules.push({ to: 'withdrawn', by: 'requester' });
  if (beforeShipping.includes(state) && state !== 'draft') rules.push({ to: 'cancelled', by: 'staff', reason: true });
  return rules;
}

export function isOpen(state: RequestState): boolean {
  return openStates.includes(state);
}

/** States in which a request has ended. */
export function hasEnded(state: RequestState): boolean {
  return !openStates.includes(state);
}

/** Facts a move may depend on, gathered by the service that asks. */
export interface TransitionFacts {
  reason?: string;
  /** The password was re-entered and checked (a signature). */
  signed?: boolean;
  /** Approval: every screening check is ticked. */
  checklistComplete?: boolean;
  /** Approval: every agreement accepted is the current version. */
  agreementsCurrent?: boolean;
  /** Approval: at least one vial approved. */
  anythingApproved?: boolean;
  /** Approval: the institutional official confirmed the request as it is now (official.ts). */
  officialConfirmed?: boolean;
  /** Submission: the form is complete and the terms of use are respected. */
  complete?: boolean;
  /** Deviations awaiting a signed assessment: no request ends with one. */
  openDeviations?: number;
  /** Vials of the request left the stock (the reviewed outbound): no withdrawal or cancellation after that. */
  vialsLeft?: boolean;
  /** The transport record holds the dispatch (time, place, temperature). */
  dispatchRecorded?: boolean;
  /** The transport record holds the arrival (time, place, temperature, receiver). */
  arrivalRecorded?: boolean;
}

export type TransitionError =
  | { code: 'illegal'; from: RequestState; to: RequestState }
  | { code: 'not_yours'; from: RequestState; to: RequestState; by: Actor }
  | { code: 'reason_required'; from: RequestState; to: RequestState }
  | { code: 'signature_required'; from: RequestState; to: RequestState; meaning: SignatureMeaning }
  | {
      code:
        | 'checklist_incomplete'
        | 'agreement_outdated'
        | 'nothing_approved'
        | 'official_not_confirmed'
        | 'incomplete'
        | 'open_deviation'
        | 'vials_left'
        | 'outbound_not_reviewed'
        | 'transport_incomplete';
      from: RequestState;
      to: RequestState;
    };

export type TransitionDecision = { ok: true; rule: Rule } | { ok: false; error: TransitionError };

export function decideTransition(
  from: RequestState,
  to: RequestState,
  by: Actor,
  facts: TransitionFacts = {},
): TransitionDecision {
  const candidates = rulesFrom(from).filter((r) => r.to === to);
  if (!candidates.length) return { ok: false, error: { code: 'illegal', from, to } };
  const rule = candidates.find((r) => r.by === by);
  if (!rule) return { ok: false, error: { code: 'not_yours', from, to, by } };
  if (rule.reason && !facts.reason?.trim()) return { ok: false, error: { code: 'reason_required', from, to } };
  if (rule.signature && !facts.signed)
    return { ok: false, error: { code: 'signature_required', from, to, meaning: rule.signature } };
  if (to === 'submitted' && !facts.complete) return { ok: false, error: { code: 'incomplete', from, to } };
  if (to === 'approved' && by === 'staff') {
    if (!facts.officialConfirmed) return { ok: false, error: { code: 'official_not_confirmed', from, to } };
    if (!facts.agreementsCurrent) return { ok: false, error: { code: 'agreement_outdated', from, to } };
    if (!facts.checklistComplete) return { ok: false, error: { code: 'checklist_incomplete', from, to } };
    if (!facts.anythingApproved) return { ok: false, error: { code: 'nothing_approved', from, to } };
  }
  if ((to === 'withdrawn' || to === 'cancelled') && facts.vialsLeft)
    return { ok: false, error: { code: 'vials_left', from, to } };
  if (hasEnded(to) && (facts.openDeviations ?? 0) > 0)
    return { ok: false, error: { code: 'open_deviation', from, to } };
  if (to === 'shipped' && !facts.vialsLeft) return { ok: false, error: { code: 'outbound_not_reviewed', from, to } };
  if (to === 'closed' && !(facts.dispatchRecorded && facts.arrivalRecorded))
    return { ok: false, error: { code: 'transport_incomplete', from, to } };
  return { ok: true, rule };
}

/** Who holds a request in each state: the party whose move it is. */
export const holderOf: Record<RequestState, 'requester' | 'bank' | 'official' | 'nobody'> = {
  draft: 'requester',
  submitted: 'bank',
  under_review: 'bank',
  information_requested: 'requester',
  approved: 'bank',
  rejected: 'nobody',
  reserved: 'bank',
  released: 'bank',
  shipped: 'requester',
  received: 'bank',
  closed: 'nobody',
  withdrawn: 'nobody',
  cancelled: 'nobody',
};

/*
 * The windows: each "may this be done now?" that is not a state move, named
 * once. allowedMoves offers by them and the services refuse by them, so a page
 * never offers what a service refuses.
 */

/** A draft is the requester's own business: no timeline, no bank queue, no official, no messages. */
export function isDraft(state: RequestState): boolean {
  return state === 'draft';
}

/** Items (batches, quantities) change only in a draft: once submitted, screening has looked at them. */
export function itemsEditable(state: RequestState): boolean {
  return isDraft(state);
}

/** The requester's fields change in a draft, and in answer to a request for information. */
export function fieldsEditable(state: RequestState): boolean {
  return isDraft(state) || state === 'information_requested';
}

/** The screening checklist is filled during review. */
export function checklistOpen(state: RequestState): boolean {
  return state === 'under_review';
}

/** Requests the bank works on (its queue and counts): open and submitted. */
export function inBankQueue(state: RequestState): boolean {
  return isOpen(state) && !isDraft(state);
}

/** The official answers a submitted request that has not ended. */
export function officialMayAnswer(state: RequestState): boolean {
  return inBankQueue(state);
}

/** The reservation of a request lapses at its expiry, if the request still holds it. */
export function reservationLapsed(state: RequestState, expiresAt: Date | null, now: Date): boolean {
  return state === 'reserved' && expiresAt !== null && expiresAt <= now;
}

/** The outbound record is prepared, then reviewed, while the request is released and no vial has left. */
export function outboundOpen(state: RequestState, facts: { vialsLeft?: boolean }): boolean {
  return state === 'released' && !facts.vialsLeft;
}

/** Transport is recorded from release to receipt (the vials must have left: see outboundOpen). */
export function transportRecordable(state: RequestState): boolean {
  return state === 'released' || state === 'shipped' || state === 'received';
}

/** Recording the dispatch of a released request is what ships it. */
export function dispatchShips(state: RequestState): boolean {
  return state === 'released';
}

/** Arrival is recorded once the vials are on their way or received. */
export function arrivalRecordable(state: RequestState): boolean {
  return state === 'shipped' || state === 'received';
}

/** A closed request takes no record that could open a deviation (the database refuses it too). */
export function takesDeviations(state: RequestState): boolean {
  return state !== 'closed';
}

/** Every step a page may offer on a request: state moves, and the records made while a request rests in one state. */
export const steps = [
  'edit',
  'submit',
  'answer',
  'withdraw',
  'confirmReceipt',
  'reacceptAgreements',
  'startReview',
  'checklist',
  'askInformation',
  'approve',
  'reject',
  'reserve',
  'release',
  'prepareOutbound',
  'reviewOutbound',
  'recordTransport',
  'uploadLogger',
  'recordArrival',
  'assessDeviation',
  'close',
  'cancel',
] as const;
export type Step = (typeof steps)[number];

/** What `allowedMoves` needs to know beyond the state: the chain facts, plus the records in progress. */
export interface MoveFacts
  extends Pick<TransitionFacts, 'openDeviations' | 'vialsLeft' | 'dispatchRecorded' | 'arrivalRecorded'> {
  /** The operator prepared the outbound record; it waits for a second person's review. */
  outboundPrepared?: boolean;
  /** The data logger's file is stored. */
  loggerStored?: boolean;
  /** An agreement accepted earlier has a newer version. */
  agreementOutdated?: boolean;
}

/**
 * The one answer to "may this happen now?": the steps `actor` may take on a
 * request in `state` with these facts. Pages build their forms and buttons
 * from it; the services ask `decideTransition` (moves) or the same windows
 * (records), so a page never offers what a service refuses. Facts the actor
 * supplies at the moment (a reason, a signature, a complete form) are assumed
 * to come: the form asks for them.
 */
export function allowedMoves(state: RequestState, actor: Actor, facts: MoveFacts = {}): Set<Step> {
  const supplied: TransitionFacts = {
    reason: 'given',
    signed: true,
    complete: true,
    checklistComplete: true,
    agreementsCurrent: true,
    anythingApproved: true,
    officialConfirmed: true,
  };
  const may = (to: RequestState) => decideTransition(state, to, actor, { ...supplied, ...facts }).ok;
  const out = new Set<Step>();
  const add = (step: Step, when: boolean) => when && out.add(step);
  const dispatched = Boolean(facts.dispatchRecorded);
  if (actor === 'requester') {
    add('edit', fieldsEditable(state));
    add('submit', isDraft(state));
    add('answer', may('under_review') && state === 'information_requested');
    add('withdraw', may('withdrawn'));
    add('confirmReceipt', may('received'));
    add('reacceptAgreements', Boolean(facts.agreementOutdated) && inBankQueue(state) && !facts.vialsLeft);
  }
  if (actor === 'staff') {
    add('startReview', may('under_review') && state === 'submitted');
    add('checklist', checklistOpen(state));
    add('askInformation', may('information_requested'));
    add('approve', may('approved'));
    add('reject', may('rejected'));
    add('reserve', may('reserved'));
    add('release', may('released'));
    add('prepareOutbound', outboundOpen(state, facts) && !facts.outboundPrepared);
    add('reviewOutbound', outboundOpen(state, facts) && Boolean(facts.outboundPrepared));
    add('recordTransport', Boolean(facts.vialsLeft) && !dispatched && transportRecordable(state));
    add('uploadLogger', dispatched && !facts.loggerStored && isOpen(state));
    add('recordArrival', dispatched && !facts.arrivalRecorded && arrivalRecordable(state));
    add('assessDeviation', (facts.openDeviations ?? 0) > 0);
    add('close', may('closed'));
    add('cancel', may('cancelled'));
  }
  return out;
}
