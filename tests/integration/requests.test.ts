/**
 * The request chain against real PostgreSQL: stock never oversold under
 * concurrency, two people for every outbound, illegal moves refused without
 * a trace, records that cannot be rewritten, reservations that lapse, recalls
 * that reach every recipient.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import { requests as requestsTable } from '#db/schema/requests.ts';
import { verifyAuditChain } from '#server/platform/audit.ts';
import * as requester from '#server/requests/requester.ts';
import * as staff from '#server/requests/staff.ts';
import { decideTransition } from '#server/requests/states.ts';
import type { RequestState } from '#db/schema/requests.ts';
import { lapseExpiredReservations, reserveRequest } from '#server/requests/reservations.ts';
import { setBatchStatus, recallNoticesOf } from '#server/requests/recall.ts';
import { recordArrival, recordTransport, uploadLoggerFile, closeDeviation } from '#server/requests/shipments.ts';
import { listRequests, requestDetail } from '#server/requests/queries.ts';
import { outboundRegisterCsv, transportRegisterCsv } from '#server/requests/registers.ts';
import type { Caller } from '#server/requests/core.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';
import {
  completeFields,
  driveTo,
  makeCaller,
  must,
  officialConfirms,
  outboundDates,
  seedLineWithBatch,
  submittedRequest,
  TEST_PASSWORD,
} from '../support/requests.ts';

let t: TestDatabase;
let alice: Caller; // requester
let bob: Caller; // another requester
let staffA: Caller;
let staffB: Caller;

beforeAll(async () => {
  t = await useTestDatabase();
  alice = await makeCaller(t.db, 'requester');
  bob = await makeCaller(t.db, 'requester');
  staffA = await makeCaller(t.db, 'staff');
  staffB = await makeCaller(t.db, 'staff');
});
afterAll(async () => t?.close());

async function stockOf(batchId: number) {
  const { rows } = await t.pool.query(
    'SELECT vials_available AS a, vials_reserved AS r, vials_shipped AS s, vials_total AS total FROM batches WHERE id = $1',
    [batchId],
  );
  return rows[0] as { a: number; r: number; s: number; total: number };
}

describe('the state module', () => {
  test('rejection and cancellation need a reason; approval a signature and a complete checklist', () => {
    expect(decideTransition('under_review', 'rejected', 'staff', {})).toMatchObject({
      ok: false,
      error: { code: 'reason_required' },
    });
    expect(decideTransition('submitted', 'cancelled', 'staff', { reason: ' ' })).toMatchObject({
      ok: false,
      error: { code: 'reason_required' },
    });
    expect(
      decideTransition('under_review', 'approved', 'staff', {
        checklistComplete: true,
        agreementsCurrent: true,
        anythingApproved: true,
      }),
    ).toMatchObject({ ok: false, error: { code: 'signature_required' } });
    expect(
      decideTransition('under_review', 'approved', 'staff', {
        signed: true,
        agreementsCurrent: true,
        anythingApproved: true,
      }),
    ).toMatchObject({ ok: false, error: { code: 'official_not_confirmed' } });
    expect(
      decideTransition('under_review', 'approved', 'staff', {
        signed: true,
        officialConfirmed: true,
        agreementsCurrent: true,
        anythingApproved: true,
      }),
    ).toMatchObject({ ok: false, error: { code: 'checklist_incomplete' } });
    expect(decideTransition('under_review', 'approved', 'requester', { signed: true })).toMatchObject({
      ok: false,
      error: { code: 'not_yours' },
    });
    expect(decideTransition('shipped', 'withdrawn', 'requester', {})).toMatchObject({
      ok: false,
      error: { code: 'illegal' },
    });
    expect(decideTransition('received', 'closed', 'staff', { openDeviations: 1 })).toMatchObject({
      ok: false,
      error: { code: 'open_deviation' },
    });
  });
});

describe('requests through the services', () => {
  let batchId: number;
  beforeAll(async () => {
    ({ batchId } = await seedLineWithBatch(t.pool, 'REQ-LINE-1', 'REQ-B-1', 30));
  });

  test('an illegal transition through a service is refused and changes nothing', async () => {
    const id = await submittedRequest(t.db, alice, 'REQ-LINE-1', 'REQ-B-1', 2);
    const snapshot = async () => {
      const { rows } = await t.pool.query(
        `SELECT (SELECT row_to_json(r) FROM requests r WHERE id = $1) AS r, (SELECT count(*) FROM audit_events) AS audit, (SELECT count(*) FROM request_events) AS events, (SELECT count(*) FROM stock_movements) AS moves, (SELECT count(*) FROM mail_outbox) AS mail`,
        [id],
      );
      return rows[0];
    };
    const before = await snapshot();
    // submitted: none of these may happen yet
    expect(await reserveRequest(t.db, staffA, id)).toMatchObject({ ok: false, failure: { code: 'transition' } });
    expect(await staff.releaseRequest(t.db, staffA, id, TEST_PASSWORD)).toMatchObject({
      ok: false,
      failure: { code: 'transition', error: { from: 'submitted', to: 'released' } },
    });
    expect(await staff.closeRequest(t.db, staffA, id)).toMatchObject({
      ok: false,
      failure: { code: 'transition', error: { code: 'illegal', from: 'submitted', to: 'closed' } },
    });
    expect(await requester.confirmReceipt(t.db, alice, id, { condition: 'fine' })).toMatchObject({
      ok: false,
      failure: { code: 'transition' },
    });
    expect(await staff.rejectRequest(t.db, staffA, id, 'no')).toMatchObject({
      ok: false,
      failure: { code: 'transition' },
    });
    expect(await staff.approveRequest(t.db, staffA, id, { password: TEST_PASSWORD, quantities: {} })).toMatchObject({
      ok: false,
    });
    expect(await snapshot(), 'nothing was written by the refused moves').toEqual(before);
  });

  test('a wrong password signs nothing and approves nothing', async () => {
    const id = await submittedRequest(t.db, alice, 'REQ-LINE-1', 'REQ-B-1', 1);
    must(await staff.startReview(t.db, staffA, id));
    must(await staff.updateChecklist(t.db, staffA, id, ['agreement', 'ethics', 'terms', 'grade']));
    expect(await staff.approveRequest(t.db, staffA, id, { password: 'not my password', quantities: {} })).toEqual({
      ok: false,
      failure: { code: 'bad_password' },
    });
    const [row] = await t.db.select().from(requestsTable).where(eq(requestsTable.id, id));
    expect(row?.state).toBe('under_review');
    const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM signatures WHERE entity_id = $1`, [String(id)]);
    expect(rows[0].n).toBe(0);
  });

  test('guessing the password through the signature form is throttled like the password change check', async () => {
    const guesser = await makeCaller(t.db, 'staff');
    const id = await submittedRequest(t.db, alice, 'REQ-LINE-1', 'REQ-B-1', 1);
    must(await staff.startReview(t.db, guesser, id));
    must(await staff.updateChecklist(t.db, guesser, id, ['agreement', 'ethics', 'terms', 'grade']));
    const outcomes: string[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await staff.approveRequest(t.db, guesser, id, { password: `guess ${i}`, quantities: {} });
      outcomes.push(r.ok ? 'ok' : r.failure.code);
    }
    expect(outcomes.slice(0, 5)).toEqual(Array(5).fill('bad_password'));
    expect(outcomes.slice(5), 'after five wrong guesses the signature waits').toContain('throttled');
    expect(
      await staff.approveRequest(t.db, guesser, id, { password: TEST_PASSWORD, quantities: {} }),
      'even the right password waits',
    ).toMatchObject({ ok: false, failure: { code: 'throttled' } });
  });

  test('approval in part reserves only what was approved; a rejection or withdrawal returns reserved vials', async () => {
    const before = await stockOf(batchId);
    const id = await submittedRequest(t.db, alice, 'REQ-LINE-1', 'REQ-B-1', 5);
    await officialConfirms(t.db, id);
    must(await staff.startReview(t.db, staffA, id));
    must(await staff.updateChecklist(t.db, staffA, id, ['agreement', 'ethics', 'terms', 'grade', 'official']));
    const d = await requestDetail(t.db, id, staffA);
    must(
      await staff.approveRequest(t.db, staffA, id, { password: TEST_PASSWORD, quantities: { [d!.items[0]!.id]: 3 } }),
    );
    must(await reserveRequest(t.db, staffA, id));
    expect(await stockOf(batchId)).toMatchObject({ a: before.a - 3, r: before.r + 3 });
    must(await requester.withdrawRequest(t.db, alice, id, 'project ended'));
    expect(await stockOf(batchId), 'withdrawal returns the vials').toMatchObject({ a: before.a, r: before.r });
  });

  test('vials given back to stock are an `unreserved` ledger row (not `released`, a request state), and availability is whole again', async () => {
    const before = await stockOf(batchId);
    const id = await submittedRequest(t.db, alice, 'REQ-LINE-1', 'REQ-B-1', 2);
    await driveTo(t.db, id, 'reserved', staffA);
    expect(await stockOf(batchId)).toMatchObject({ a: before.a - 2, r: before.r + 2 });
    must(await requester.withdrawRequest(t.db, alice, id, 'no longer needed'));
    const { rows } = await t.pool.query(
      'SELECT kind, quantity FROM stock_movements WHERE request_id = $1 ORDER BY id',
      [id],
    );
    expect(rows).toEqual([
      { kind: 'reserved', quantity: 2 },
      { kind: 'unreserved', quantity: 2 },
    ]);
    expect(await stockOf(batchId)).toMatchObject({ a: before.a, r: before.r });
    await expect(
      t.pool.query(`INSERT INTO stock_movements (batch_id, kind, quantity, actor) VALUES ($1, 'released', 1, 'sql')`, [
        batchId,
      ]),
      'the old name is no kind any more',
    ).rejects.toThrow(/stock_movements_kind_known/);
  });

  test('a lapsed reservation returns its vials, with an event, and the request goes back to approved', async () => {
    const before = await stockOf(batchId);
    const id = await submittedRequest(t.db, alice, 'REQ-LINE-1', 'REQ-B-1', 2);
    await driveTo(t.db, id, 'reserved', staffA);
    expect(await stockOf(batchId)).toMatchObject({ a: before.a - 2, r: before.r + 2 });
    const lapsed = await lapseExpiredReservations(t.db, new Date(Date.now() + 365 * 86_400_000));
    expect(lapsed).toContain(id);
    expect(await stockOf(batchId)).toMatchObject({ a: before.a, r: before.r });
    const detail = await requestDetail(t.db, id, alice);
    expect(detail!.request.state).toBe('approved');
    expect(detail!.timeline.some((e) => e.kind === 'reservation' && e.body === 'reservation lapsed')).toBe(true);
  });

  test("a requester cannot see or act on another requester's request", async () => {
    const id = await submittedRequest(t.db, alice, 'REQ-LINE-1', 'REQ-B-1', 1);
    expect(await requestDetail(t.db, id, bob)).toBeUndefined();
    expect(await requester.withdrawRequest(t.db, bob, id, 'mine now')).toEqual({
      ok: false,
      failure: { code: 'not_found' },
    });
    expect(await requester.saveDraft(t.db, bob, id, completeFields)).toEqual({
      ok: false,
      failure: { code: 'not_found' },
    });
    expect(await staff.postMessage(t.db, bob, id, 'hello')).toEqual({ ok: false, failure: { code: 'not_found' } });
    expect((await listRequests(t.db, { requesterId: bob.id })).map((r) => r.id)).not.toContain(id);
    expect(await requestDetail(t.db, id, alice)).toBeDefined();
  });

  test('a research-only line cannot be requested for clinical use; clinical use needs a clinical-grade batch', async () => {
    await seedLineWithBatch(t.pool, 'REQ-RESEARCH-ONLY', 'REQ-RO-1', 5, { restrictions: 'research_only' });
    const { requestId } = must(
      await requester.addToBasket(t.db, bob, { line: 'REQ-RESEARCH-ONLY', batch: 'REQ-RO-1', quantity: 1 }),
    );
    must(await requester.saveDraft(t.db, bob, requestId, { ...completeFields, useCategory: 'clinical' }));
    const refused = await requester.submitRequest(t.db, bob, requestId, true);
    expect(refused).toMatchObject({ ok: false, failure: { code: 'invalid', key: 'research_only' } });
    must(await requester.saveDraft(t.db, bob, requestId, { ...completeFields, useCategory: 'research' }));
    must(await requester.submitRequest(t.db, bob, requestId, true));
  });
});

describe('stock under concurrency', () => {
  test('50 simultaneous reservations of 1 vial against 10 available: exactly 10 succeed, and the ledger agrees', async () => {
    const { batchId } = await seedLineWithBatch(t.pool, 'REQ-RACE', 'REQ-RACE-1', 10);
    const ids: number[] = [];
    for (let i = 0; i < 50; i++) {
      const id = await submittedRequest(t.db, alice, 'REQ-RACE', 'REQ-RACE-1', 1);
      await driveTo(t.db, id, 'approved', staffA);
      ids.push(id);
    }
    const results = await Promise.all(ids.map((id) => reserveRequest(t.db, staffA, id)));
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.failure.code === 'insufficient_stock')).toBe(true);
    expect(await stockOf(batchId)).toMatchObject({ a: 0, r: 10, s: 0, total: 10 });
    const { rows } = await t.pool.query(
      `SELECT kind, sum(quantity)::int AS q FROM stock_movements WHERE batch_id = $1 GROUP BY kind ORDER BY kind`,
      [batchId],
    );
    expect(rows).toEqual([
      { kind: 'received', q: 10 },
      { kind: 'reserved', q: 10 },
    ]);
    const reserved = await t.pool.query(
      `SELECT count(*)::int AS n FROM requests WHERE id = ANY($1) AND state = 'reserved'`,
      [ids],
    );
    expect(reserved.rows[0].n).toBe(10);
  }, 120_000);
});

describe('the outbound and its records', () => {
  let requestId: number;
  let batchId: number;
  beforeAll(async () => {
    ({ batchId } = await seedLineWithBatch(t.pool, 'REQ-OUT', 'REQ-OUT-1', 8));
    requestId = await submittedRequest(t.db, alice, 'REQ-OUT', 'REQ-OUT-1', 2);
    await driveTo(t.db, requestId, 'released', staffA);
  });

  test('the operator prepares the outbound and cannot review it; a second staff member reviews it and the vials leave', async () => {
    must(await staff.prepareOutbound(t.db, staffB, requestId, { password: TEST_PASSWORD, ...outboundDates }));
    expect(await stockOf(batchId), 'nothing leaves before the review').toMatchObject({ a: 6, r: 2, s: 0 });
    expect(await staff.reviewOutbound(t.db, staffB, requestId, TEST_PASSWORD)).toEqual({
      ok: false,
      failure: { code: 'same_person' },
    });
    const reviewed = must(await staff.reviewOutbound(t.db, staffA, requestId, TEST_PASSWORD));
    expect(reviewed.state, 'shipped only when the dispatch is recorded').toBe('released');
    const meanings = await t.pool.query(
      `SELECT meaning, signer_id FROM signatures WHERE entity_type = 'request' AND entity_id = $1 AND meaning IN ('executed', 'reviewed') ORDER BY id`,
      [String(requestId)],
    );
    expect(meanings.rows).toEqual([
      { meaning: 'executed', signer_id: staffB.id },
      { meaning: 'reviewed', signer_id: staffA.id },
    ]);
    const { rows } = await t.pool.query(
      'SELECT operator_id, reviewer_id, operator_name, reviewer_name, quantity FROM outbound_records WHERE request_id = $1',
      [requestId],
    );
    expect(rows).toEqual([
      {
        operator_id: staffB.id,
        reviewer_id: staffA.id,
        operator_name: staffB.name,
        reviewer_name: staffA.name,
        quantity: 2,
      },
    ]);
    expect(await stockOf(batchId)).toMatchObject({ a: 6, r: 0, s: 2 });
  });

  test('the database refuses the same person as operator and reviewer, even by direct SQL', async () => {
    const { rows } = await t.pool.query('SELECT * FROM outbound_records WHERE request_id = $1', [requestId]);
    const r = rows[0];
    await expect(
      t.pool.query(
        `INSERT INTO outbound_records (request_id, request_item_id, applicant_name, applicant_institution, applicant_contact, purpose, cell_type, batch_id, batch_number, quantity, planned_date, actual_date, operator_id, operator_name, reviewer_id, reviewer_name)
         VALUES ($1, $2, 'x', 'x', 'x', 'x', 'x', $3, 'x', 1, '2026-01-01', '2026-01-01', $4, 'x', $4, 'x')`,
        [requestId, r.request_item_id, r.batch_id, staffA.id],
      ),
    ).rejects.toThrow(/outbound_records_two_people/);
  });

  test('a logger file with one excursion flags one deviation; the request cannot close until it is assessed and signed', async () => {
    must(
      await recordTransport(t.db, staffB, requestId, {
        dispatchAt: new Date('2026-11-21T08:00:00Z'),
        dispatchPlace: 'Bank, Beijing',
        dispatchTempC: -190,
        requiredMinC: -196,
        requiredMaxC: -150,
        batchNumbers: 'REQ-OUT-1',
        quantity: 2,
        deviceNumber: 'DS-7',
        vehicle: 'van',
        carrier: 'ColdChain Ltd',
        courier: 'Wang',
      }),
    );
    expect((await requestDetail(t.db, requestId, staffA))!.request.state, 'the dispatch makes it shipped').toBe(
      'shipped',
    );
    const bad = await uploadLoggerFile(t.db, staffB, requestId, {
      name: 'bad.csv',
      text: 'timestamp,temperature_c\n2026-11-21T08:00:00Z,-190\nnot a time,-190\n',
    });
    expect(bad).toMatchObject({
      ok: false,
      failure: { code: 'invalid', message: expect.stringContaining('bad.csv:3:') },
    });
    const csv = [
      '# logger_serial: DL-1',
      'timestamp,temperature_c',
      '2026-11-21T08:00:00Z,-190',
      '2026-11-21T08:05:00Z,-160',
      '2026-11-21T08:10:00Z,-140',
      '2026-11-21T08:15:00Z,-135',
      '2026-11-21T08:20:00Z,-185',
      '2026-11-21T08:25:00Z,-188',
    ].join('\n');
    expect(must(await uploadLoggerFile(t.db, staffB, requestId, { name: 'logger.csv', text: csv }))).toEqual({
      readings: 6,
      excursions: 1,
    });
    const detail = await requestDetail(t.db, requestId, staffA);
    expect(detail!.deviations).toHaveLength(1);
    expect(Number(detail!.deviations[0]!.extremeC)).toBe(-135);
    expect(detail!.deviations[0]!.durationSeconds).toBe(600);
    must(await requester.confirmReceipt(t.db, alice, requestId, { condition: 'arrived frozen' }));
    expect(await staff.cancelRequest(t.db, staffA, requestId, 'erase it'), 'vials left: no cancellation').toMatchObject(
      { ok: false, failure: { code: 'transition', error: { code: 'illegal' } } },
    );
    expect(await staff.closeRequest(t.db, staffA, requestId)).toMatchObject({
      ok: false,
      failure: { code: 'transition', error: { code: 'open_deviation' } },
    });
    must(
      await recordArrival(t.db, staffB, requestId, {
        arrivalAt: new Date('2026-11-22T10:00:00Z'),
        arrivalPlace: 'Lab 3',
        arrivalTempC: -185,
        receiver: 'Li Wei',
      }),
    );
    must(
      await closeDeviation(t.db, staffA, detail!.deviations[0]!.id, {
        assessment: 'Brief rise above -150 °C; cells within dry shipper limits, viability unaffected.',
        password: TEST_PASSWORD,
      }),
    );
    expect(must(await staff.closeRequest(t.db, staffA, requestId)).state).toBe('closed');
    // Rule 7: the assessor is named on the record, in the API, and in both registers, in either language.
    const closed = await requestDetail(t.db, requestId, alice);
    expect(closed!.deviations[0]!.closedByName).toBe(staffA.name);
    expect(closed!.signatures.map((s) => s.meaning)).toEqual([
      'approved',
      'released',
      'executed',
      'reviewed',
      'deviation_closed',
    ]);
    const outbound = (await outboundRegisterCsv(t.db, '2026-11-01', '2026-11-30', 'en'))
      .split('\r\n')
      .find((l) => l.startsWith(`${requestId},`))!;
    expect(outbound).toContain(`${staffA.name}, deviation closed, 20`);
    expect(outbound).toContain(`Closed by ${staffA.name} on 20`);
    const transportZh = (await transportRegisterCsv(t.db, '2026-11-01', '2026-11-30', 'zh'))
      .split('\r\n')
      .find((l) => l.startsWith(`${requestId},`))!;
    expect(transportZh).toContain(`${staffA.name}于 20`);
    expect(transportZh).toContain('6 条读数');
    expect(transportZh).not.toMatch(/readings|deviation closed|\[open\]/);
  });

  test('a recall lists and notifies every recipient, and tracks acknowledgement', async () => {
    const before = (await t.pool.query('SELECT count(*)::int AS n FROM mail_outbox')).rows[0].n;
    const r = must(
      await setBatchStatus(t.db, staffA, batchId, {
        status: 'recalled',
        reason: 'mycoplasma found in retained sample',
        password: TEST_PASSWORD,
      }),
    );
    expect(r.notified).toBe(1);
    const notices = await recallNoticesOf(t.db, batchId);
    expect(notices.map((n) => n.requestId)).toEqual([requestId]);
    const after = (await t.pool.query('SELECT count(*)::int AS n FROM mail_outbox')).rows[0].n;
    expect(after - before).toBe(1);
    const { acknowledgeRecall } = await import('#server/requests/recall.ts');
    expect(await acknowledgeRecall(t.db, bob, notices[0]!.id)).toEqual({ ok: false, failure: { code: 'not_found' } });
    must(await acknowledgeRecall(t.db, alice, notices[0]!.id));
    expect((await recallNoticesOf(t.db, batchId))[0]!.acknowledgedAt).toBeInstanceOf(Date);
  });

  test('records of the chain cannot be updated or deleted', async () => {
    for (const table of [
      'audit_events',
      'stock_movements',
      'request_events',
      'signatures',
      'outbound_records',
      'temperature_readings',
    ]) {
      await expect(t.pool.query(`UPDATE ${table} SET id = id`), `UPDATE ${table}`).rejects.toThrow(/append-only/);
      await expect(t.pool.query(`DELETE FROM ${table}`), `DELETE ${table}`).rejects.toThrow(/append-only/);
    }
    await expect(t.pool.query(`DELETE FROM requests`)).rejects.toThrow(/never deleted/);
  });

  test('the whole chain is in the audit trail, and altering one row as superuser makes verification fail at that row', async () => {
    const ok = await verifyAuditChain(t.db);
    expect(ok.ok).toBe(true);
    const { rows } = await t.pool.query(
      `SELECT id FROM audit_events WHERE entity_type = 'request' AND entity_id = $1 AND action = 'request.approved'`,
      [String(requestId)],
    );
    const target = Number(rows[0].id);
    const client = await t.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL session_replication_role = replica`);
      await client.query(`UPDATE audit_events SET reason = 'forged' WHERE id = $1`, [target]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const report = await verifyAuditChain(t.db);
    expect(report).toMatchObject({ ok: false, brokenAt: { id: target } });
  });
});

export type { RequestState };
