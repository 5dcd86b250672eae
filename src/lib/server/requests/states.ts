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
 *   withdrawn (the requester, before shipping), cancelled (staff, reason) from any open state;
 *   reserved -> approved when a reservation lapses (the system).
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

const openStates: readonly RequestState[] = ['draft', 'submitted', 'under_review', 'information_requested', 'approved', 'reserved', 'released', 'shipped', 'received'];
const beforeShipping: readonly RequestState[] = ['draft', 'submitted', 'under_review', 'information_requested', 'approved', 'reserved', 'released'];

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
  released: [{ to: 'shipped', by: 'staff', signature: 'executed' }],
  shipped: [{ to: 'received', by: 'requester' }],
  received: [{ to: 'closed', by: 'staff' }],
};

/** Every allowed move, the forward path plus withdrawal and cancellation. */
export function rulesFrom(state: RequestState): Rule[] {
  const rules = [...(forward[state] ?? [])];
  if (beforeShipping.includes(state)) rules.push({ to: 'withdrawn', by: 'requester' });
  if (openStates.includes(state) && state !== 'draft') rules.push({ to: 'cancelled', by: 'staff', reason: true });
  return rules;
}

export function isOpen(state: RequestState): boolean {
  return openStates.includes(state);
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
  /** Submission: the form is complete and the terms of use are respected. */
  complete?: boolean;
  /** Closing: every deviation has a signed assessment. */
  openDeviations?: number;
}

export type TransitionError =
  | { code: 'illegal'; from: RequestState; to: RequestState }
  | { code: 'not_yours'; from: RequestState; to: RequestState; by: Actor }
  | { code: 'reason_required'; from: RequestState; to: RequestState }
  | { code: 'signature_required'; from: RequestState; to: RequestState; meaning: SignatureMeaning }
  | { code: 'checklist_incomplete' | 'agreement_outdated' | 'nothing_approved' | 'incomplete' | 'open_deviation'; from: RequestState; to: RequestState };

export type TransitionDecision = { ok: true; rule: Rule } | { ok: false; error: TransitionError };

export function decideTransition(from: RequestState, to: RequestState, by: Actor, facts: TransitionFacts = {}): TransitionDecision {
  const candidates = rulesFrom(from).filter((r) => r.to === to);
  if (!candidates.length) return { ok: false, error: { code: 'illegal', from, to } };
  const rule = candidates.find((r) => r.by === by);
  if (!rule) return { ok: false, error: { code: 'not_yours', from, to, by } };
  if (rule.reason && !facts.reason?.trim()) return { ok: false, error: { code: 'reason_required', from, to } };
  if (rule.signature && !facts.signed) return { ok: false, error: { code: 'signature_required', from, to, meaning: rule.signature } };
  if (to === 'submitted' && !facts.complete) return { ok: false, error: { code: 'incomplete', from, to } };
  if (to === 'approved' && by === 'staff') {
    if (!facts.checklistComplete) return { ok: false, error: { code: 'checklist_incomplete', from, to } };
    if (!facts.agreementsCurrent) return { ok: false, error: { code: 'agreement_outdated', from, to } };
    if (!facts.anythingApproved) return { ok: false, error: { code: 'nothing_approved', from, to } };
  }
  if (to === 'closed' && (facts.openDeviations ?? 0) > 0) return { ok: false, error: { code: 'open_deviation', from, to } };
  return { ok: true, rule };
}

/** One line for logs and API answers; pages use the translated form. */
export function describeTransitionError(e: TransitionError): string {
  const move = `from "${e.from}" to "${e.to}"`;
  switch (e.code) {
    case 'illegal':
      return `a request cannot go ${move}`;
    case 'not_yours':
      return `the ${e.by} cannot move a request ${move}`;
    case 'reason_required':
      return `moving a request ${move} needs a reason`;
    case 'signature_required':
      return `moving a request ${move} needs a signature (${e.meaning}): re-enter your password`;
    case 'checklist_incomplete':
      return `the screening checklist must be complete before approval (${move})`;
    case 'agreement_outdated':
      return `the requester must accept the current version of the agreement first (${move})`;
    case 'nothing_approved':
      return `approve at least one vial, or reject the request (${move})`;
    case 'incomplete':
      return `the request is not complete (${move})`;
    case 'open_deviation':
      return `a deviation awaits a signed assessment (${move})`;
  }
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
