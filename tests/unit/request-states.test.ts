/**
 * The request lifecycle against a transition table written out by hand (not
 * derived from the rules under test), and `allowedMoves`, the one answer
 * pages build their forms from.
 */
import { describe, expect, test } from 'vitest';
import { requestStates, type RequestState } from '#db/schema/requests.ts';
import {
  allowedMoves,
  arrivalRecordable,
  checklistOpen,
  decideTransition,
  dispatchShips,
  fieldsEditable,
  inBankQueue,
  itemsEditable,
  officialMayAnswer,
  outboundOpen,
  reservationLapsed,
  takesDeviations,
  transportRecordable,
  type Actor,
  type TransitionFacts,
} from '#server/requests/states.ts';

/** Every legal move: from, to, by. Anything else is illegal or not the actor's. */
const table: [RequestState, RequestState, Actor][] = [
  ['draft', 'submitted', 'requester'],
  ['draft', 'withdrawn', 'requester'],
  ['submitted', 'under_review', 'staff'],
  ['submitted', 'withdrawn', 'requester'],
  ['submitted', 'cancelled', 'staff'],
  ['under_review', 'information_requested', 'staff'],
  ['under_review', 'approved', 'staff'],
  ['under_review', 'rejected', 'staff'],
  ['under_review', 'withdrawn', 'requester'],
  ['under_review', 'cancelled', 'staff'],
  ['information_requested', 'under_review', 'requester'],
  ['information_requested', 'withdrawn', 'requester'],
  ['information_requested', 'cancelled', 'staff'],
  ['approved', 'reserved', 'staff'],
  ['approved', 'withdrawn', 'requester'],
  ['approved', 'cancelled', 'staff'],
  ['reserved', 'released', 'staff'],
  ['reserved', 'approved', 'system'],
  ['reserved', 'withdrawn', 'requester'],
  ['reserved', 'cancelled', 'staff'],
  ['released', 'shipped', 'staff'],
  ['released', 'withdrawn', 'requester'],
  ['released', 'cancelled', 'staff'],
  ['shipped', 'received', 'requester'],
  ['received', 'closed', 'staff'],
];

/** Everything a move may need, satisfied: vials left only for shipping (before that, withdrawal and cancellation need them home). */
const satisfied = (to: RequestState): TransitionFacts => ({
  reason: 'a reason',
  signed: true,
  complete: true,
  checklistComplete: true,
  agreementsCurrent: true,
  anythingApproved: true,
  officialConfirmed: true,
  openDeviations: 0,
  vialsLeft: to === 'shipped',
  dispatchRecorded: true,
  arrivalRecorded: true,
});

describe('decideTransition', () => {
  test('allows exactly the moves of the table, each to its actor only', () => {
    for (const from of requestStates) {
      for (const to of requestStates) {
        for (const by of ['requester', 'staff', 'system'] as const) {
          const legal = table.some(([f, t, b]) => f === from && t === to && b === by);
          const d = decideTransition(from, to, by, satisfied(to));
          expect(d.ok, `${from} -> ${to} by ${by}`).toBe(legal);
          if (!legal && !table.some(([f, t]) => f === from && t === to))
            expect(d).toEqual({ ok: false, error: { code: 'illegal', from, to } });
        }
      }
    }
  });

  test('once vials have left, no withdrawal or cancellation (rule 3)', () => {
    expect(decideTransition('released', 'cancelled', 'staff', { reason: 'x', vialsLeft: true })).toEqual({
      ok: false,
      error: { code: 'vials_left', from: 'released', to: 'cancelled' },
    });
    expect(decideTransition('released', 'withdrawn', 'requester', { vialsLeft: true })).toEqual({
      ok: false,
      error: { code: 'vials_left', from: 'released', to: 'withdrawn' },
    });
    expect(decideTransition('shipped', 'cancelled', 'staff', { reason: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'illegal' },
    });
  });

  test('no request ends with a deviation awaiting assessment (rule 3)', () => {
    expect(
      decideTransition('received', 'closed', 'staff', {
        openDeviations: 1,
        dispatchRecorded: true,
        arrivalRecorded: true,
      }),
    ).toMatchObject({ ok: false, error: { code: 'open_deviation' } });
    expect(decideTransition('released', 'cancelled', 'staff', { reason: 'x', openDeviations: 1 })).toMatchObject({
      ok: false,
      error: { code: 'open_deviation' },
    });
    expect(decideTransition('released', 'withdrawn', 'requester', { openDeviations: 2 })).toMatchObject({
      ok: false,
      error: { code: 'open_deviation' },
    });
  });

  test('shipped needs the reviewed outbound; closed needs dispatch and arrival (rules 4, 6)', () => {
    expect(decideTransition('released', 'shipped', 'staff', {})).toMatchObject({
      ok: false,
      error: { code: 'outbound_not_reviewed' },
    });
    expect(decideTransition('received', 'closed', 'staff', { dispatchRecorded: true })).toMatchObject({
      ok: false,
      error: { code: 'transport_incomplete' },
    });
    expect(decideTransition('received', 'closed', 'staff', { arrivalRecorded: true })).toMatchObject({
      ok: false,
      error: { code: 'transport_incomplete' },
    });
  });
});

describe('allowedMoves', () => {
  const moves = (...args: Parameters<typeof allowedMoves>) => [...allowedMoves(...args)].sort();

  test('the steps of each actor, state by state', () => {
    expect(moves('draft', 'requester')).toEqual(['edit', 'submit', 'withdraw']);
    expect(moves('information_requested', 'requester')).toEqual(['answer', 'edit', 'withdraw']);
    expect(moves('submitted', 'staff')).toEqual(['cancel', 'startReview']);
    expect(moves('under_review', 'staff')).toEqual(['approve', 'askInformation', 'cancel', 'checklist', 'reject']);
    expect(moves('approved', 'staff')).toEqual(['cancel', 'reserve']);
    expect(moves('reserved', 'staff')).toEqual(['cancel', 'release']);
    expect(moves('released', 'staff')).toEqual(['cancel', 'prepareOutbound']);
    expect(moves('released', 'staff', { outboundPrepared: true })).toEqual(['cancel', 'reviewOutbound']);
    expect(moves('released', 'staff', { outboundPrepared: true, vialsLeft: true })).toEqual(['recordTransport']);
    expect(moves('released', 'requester', { vialsLeft: true })).toEqual([]);
    expect(moves('shipped', 'requester', { vialsLeft: true, dispatchRecorded: true })).toEqual(['confirmReceipt']);
    expect(moves('shipped', 'staff', { vialsLeft: true, dispatchRecorded: true })).toEqual([
      'recordArrival',
      'uploadLogger',
    ]);
    expect(moves('received', 'staff', { vialsLeft: true, dispatchRecorded: true, loggerStored: true })).toEqual([
      'recordArrival',
    ]);
    expect(
      moves('received', 'staff', {
        vialsLeft: true,
        dispatchRecorded: true,
        arrivalRecorded: true,
        loggerStored: true,
        openDeviations: 1,
      }),
    ).toEqual(['assessDeviation']);
    expect(
      moves('received', 'staff', {
        vialsLeft: true,
        dispatchRecorded: true,
        arrivalRecorded: true,
        loggerStored: true,
      }),
    ).toEqual(['close']);
    expect(moves('closed', 'staff', { vialsLeft: true, dispatchRecorded: true, arrivalRecorded: true })).toEqual([]);
    expect(
      moves('under_review', 'requester'),
      'a staff member who asked for vials acts as requester on their request',
    ).toEqual(['withdraw']);
  });
});

/** The windows services refuse by and pages offer by, written out state by state. */
describe('the windows', () => {
  const where = (rule: (state: RequestState) => boolean) => requestStates.filter(rule);
  test('each window opens in exactly these states', () => {
    expect(where(itemsEditable)).toEqual(['draft']);
    expect(where(fieldsEditable)).toEqual(['draft', 'information_requested']);
    expect(where(checklistOpen)).toEqual(['under_review']);
    const queue = [
      'submitted',
      'under_review',
      'information_requested',
      'approved',
      'reserved',
      'released',
      'shipped',
      'received',
    ];
    expect(where(inBankQueue)).toEqual(queue);
    expect(where(officialMayAnswer)).toEqual(queue);
    expect(where(transportRecordable)).toEqual(['released', 'shipped', 'received']);
    expect(where(dispatchShips)).toEqual(['released']);
    expect(where(arrivalRecordable)).toEqual(['shipped', 'received']);
    expect(where((s) => !takesDeviations(s))).toEqual(['closed']);
  });

  test('the outbound record is open only while released with no vial gone', () => {
    expect(where((s) => outboundOpen(s, {}))).toEqual(['released']);
    expect(outboundOpen('released', { vialsLeft: true })).toBe(false);
  });

  test('a reservation lapses at its expiry, only while the request holds it', () => {
    const now = new Date('2026-12-04T10:00:00Z');
    const past = new Date('2026-12-04T09:59:59Z');
    const future = new Date('2026-12-04T10:00:01Z');
    expect(reservationLapsed('reserved', past, now)).toBe(true);
    expect(reservationLapsed('reserved', now, now)).toBe(true);
    expect(reservationLapsed('reserved', future, now)).toBe(false);
    expect(reservationLapsed('reserved', null, now)).toBe(false);
    expect(reservationLapsed('released', past, now)).toBe(false);
  });
});
