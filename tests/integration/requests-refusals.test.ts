/**
 * A refused change changes nothing (issue 15 rule 8, issue 19 item 1): every
 * refusal path of every request service runs against a database holding
 * requests in every state, and the whole chain (requests, items, stock,
 * ledger, audit, mail, prices, signatures, shipments …) must hash the same
 * before and after each refusal.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Result } from '#server/requests/core.ts';
import type { Caller } from '#server/requests/core.ts';
import * as requester from '#server/requests/requester.ts';
import * as staff from '#server/requests/staff.ts';
import * as shipments from '#server/requests/shipments.ts';
import { acknowledgeRecall, setBatchStatus } from '#server/requests/recall.ts';
import { publishAgreement } from '#server/requests/agreements.ts';
import { setPrice } from '#server/requests/prices.ts';
import { reserveRequest } from '#server/requests/reservations.ts';
import { requestDetail } from '#server/requests/queries.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';
import {
  completeFields,
  driveTo,
  makeCaller,
  must,
  outboundDates,
  seedLineWithBatch,
  sendOut,
  submittedRequest,
  TEST_PASSWORD,
} from '../support/requests.ts';
import { chainSnapshot } from '../support/snapshot.ts';

let t: TestDatabase;
let alice: Caller;
let bob: Caller;
let staffA: Caller;
let staffB: Caller;
let admin: Caller;

beforeAll(async () => {
  t = await useTestDatabase();
  alice = await makeCaller(t.db, 'requester');
  bob = await makeCaller(t.db, 'requester');
  staffA = await makeCaller(t.db, 'staff');
  staffB = await makeCaller(t.db, 'staff');
  admin = await makeCaller(t.db, 'admin');
});
afterAll(async () => t?.close());

/** Runs a refusal and checks that it was refused and that the chain is exactly as before. */
async function refusedWithoutTrace(label: string, run: () => Promise<Result<unknown>>, code?: string) {
  const before = await chainSnapshot(t.pool);
  const result = await run();
  expect(result.ok, `${label}: refused`).toBe(false);
  if (code && !result.ok) expect(result.failure.code, label).toBe(code);
  expect(await chainSnapshot(t.pool), `${label}: nothing written`).toEqual(before);
}

async function itemIdOf(requestId: number) {
  const d = await requestDetail(t.db, requestId, staffA);
  return d!.items[0]!.id;
}

describe('regressions named in issue 15 rule 8', () => {
  test('staff reserving vials for their own request are refused and no vial is reserved', async () => {
    await seedLineWithBatch(t.pool, 'REF-SELF', 'REF-SELF-1', 15);
    const self = await makeCaller(t.db, 'staff');
    const id = await submittedRequest(t.db, self, 'REF-SELF', 'REF-SELF-1', 5);
    await driveTo(t.db, id, 'approved', staffA);
    for (let i = 0; i < 3; i++) {
      await refusedWithoutTrace(`reserve for oneself #${i + 1}`, () => reserveRequest(t.db, self, id), 'transition');
    }
    const { rows } = await t.pool.query(
      `SELECT vials_available AS a, vials_reserved AS r FROM batches WHERE number = 'REF-SELF-1'`,
    );
    expect(rows[0]).toEqual({ a: 15, r: 0 });
  });

  test('submitting again while information is requested changes no price', async () => {
    const { batchId } = await seedLineWithBatch(t.pool, 'REF-PRICE', 'REF-PRICE-1', 10);
    const [{ id: lineId }] = (await t.pool.query(`SELECT id FROM lines WHERE name = 'REF-PRICE'`)).rows;
    must(
      await setPrice(t.db, staffA, {
        lineId,
        batchId,
        wholeLine: true,
        useCategory: 'commercial',
        amount: '900',
        currency: 'USD',
      }),
    );
    must(
      await setPrice(t.db, staffA, {
        lineId,
        batchId,
        wholeLine: true,
        useCategory: 'research',
        amount: '100',
        currency: 'USD',
      }),
    );
    const id = await submittedRequest(t.db, alice, 'REF-PRICE', 'REF-PRICE-1', 1, { useCategory: 'commercial' });
    must(await staff.startReview(t.db, staffA, id));
    must(await staff.requestInformation(t.db, staffA, id, 'Which project exactly?'));
    must(await requester.saveDraft(t.db, alice, id, { ...completeFields, useCategory: 'research' }));
    await refusedWithoutTrace('submit during information_requested', () =>
      requester.submitRequest(t.db, alice, id, true),
    );
    const { rows } = await t.pool.query(
      `SELECT price_per_vial::text AS p, currency FROM request_items WHERE request_id = $1`,
      [id],
    );
    expect(rows).toEqual([{ p: '900.00', currency: 'USD' }]);
  });
});

describe('every refusal path of every request service', () => {
  let draft: number;
  let submitted: number;
  let review: number;
  let info: number;
  let approved: number;
  let released: number;
  let shipped: number;
  let closable: number;
  let twoLines: number;
  let deviation: number;
  let quarantined: number;
  let batchId: number;

  beforeAll(async () => {
    ({ batchId } = await seedLineWithBatch(t.pool, 'REF-L', 'REF-B', 40));
    await seedLineWithBatch(t.pool, 'REF-SHORT', 'REF-SHORT-1', 1);
    ({ batchId: quarantined } = await seedLineWithBatch(t.pool, 'REF-Q', 'REF-Q-1', 5, { status: 'quarantine' }));
    submitted = await submittedRequest(t.db, alice, 'REF-L', 'REF-B', 1);
    review = await submittedRequest(t.db, alice, 'REF-L', 'REF-B', 1);
    await driveTo(t.db, review, 'under_review', staffA);
    info = await submittedRequest(t.db, alice, 'REF-L', 'REF-B', 1);
    await driveTo(t.db, info, 'under_review', staffA);
    must(await staff.requestInformation(t.db, staffA, info, 'Which ethics committee?'));
    approved = await submittedRequest(t.db, alice, 'REF-L', 'REF-B', 2);
    await driveTo(t.db, approved, 'approved', staffA);
    released = await submittedRequest(t.db, alice, 'REF-L', 'REF-B', 2);
    await driveTo(t.db, released, 'released', staffA);
    shipped = await submittedRequest(t.db, alice, 'REF-L', 'REF-B', 2);
    await driveTo(t.db, shipped, 'released', staffA);
    await sendOut(t.db, shipped, staffB, staffA);
    must(
      await shipments.recordTransport(t.db, staffB, shipped, {
        dispatchAt: new Date('2026-11-21T08:00:00Z'),
        dispatchPlace: 'Bank',
        dispatchTempC: -100,
        requiredMinC: -196,
        requiredMaxC: -150,
        batchNumbers: 'REF-B',
        quantity: 2,
        deviceNumber: 'DS-1',
        vehicle: 'van',
        carrier: 'Cold Ltd',
        courier: 'Wang',
      }),
    );
    must(
      await shipments.uploadLoggerFile(t.db, staffB, shipped, {
        name: 'l.csv',
        text: 'timestamp,temperature_c\n2026-11-21T08:00:00Z,-190\n2026-11-21T08:05:00Z,-190\n',
      }),
    );
    must(await requester.confirmReceipt(t.db, alice, shipped, { condition: 'frozen' }));
    deviation = (await requestDetail(t.db, shipped, staffA))!.deviations[0]!.id;
    closable = await submittedRequest(t.db, alice, 'REF-L', 'REF-B', 1);
    await driveTo(t.db, closable, 'released', staffA);
    await sendOut(t.db, closable, staffB, staffA);
    must(
      await shipments.recordTransport(t.db, staffB, closable, {
        dispatchAt: new Date('2026-11-21T08:00:00Z'),
        dispatchPlace: 'Bank',
        dispatchTempC: -190,
        requiredMinC: -196,
        requiredMaxC: -150,
        batchNumbers: 'REF-B',
        quantity: 1,
        deviceNumber: 'DS-2',
        vehicle: 'van',
        carrier: 'Cold Ltd',
        courier: 'Wang',
      }),
    );
    must(await requester.confirmReceipt(t.db, alice, closable, { condition: 'frozen' }));
    // Two lines, the second short of stock: a reservation that fails on its second item.
    const { requestId } = must(await requester.addToBasket(t.db, bob, { line: 'REF-L', batch: 'REF-B', quantity: 1 }));
    must(await requester.addToBasket(t.db, bob, { line: 'REF-SHORT', batch: 'REF-SHORT-1', quantity: 1 }));
    must(await requester.saveDraft(t.db, bob, requestId, completeFields));
    must(await requester.submitRequest(t.db, bob, requestId, true));
    twoLines = requestId;
    await driveTo(t.db, twoLines, 'approved', staffA);
    await t.pool.query(
      `INSERT INTO stock_movements (batch_id, kind, quantity, actor, reason) SELECT id, 'reserved', 1, 'test', 'held elsewhere' FROM batches WHERE number = 'REF-SHORT-1'`,
    );
    ({ requestId: draft } = must(
      await requester.addToBasket(t.db, alice, { line: 'REF-L', batch: 'REF-B', quantity: 1 }),
    ));
  }, 120_000);

  test("the requester's services", async () => {
    await refusedWithoutTrace(
      'basket: no such line',
      () => requester.addToBasket(t.db, bob, { line: 'NO-SUCH-LINE', quantity: 1 }),
      'invalid',
    );
    await refusedWithoutTrace(
      'basket: batch of another line',
      () => requester.addToBasket(t.db, bob, { line: 'REF-L', batch: 'REF-SHORT-1', quantity: 1 }),
      'invalid',
    );
    await refusedWithoutTrace(
      'basket: batch not released',
      () => requester.addToBasket(t.db, bob, { line: 'REF-Q', batch: 'REF-Q-1', quantity: 1 }),
      'invalid',
    );
    await refusedWithoutTrace(
      'basket: over 1,000 vials (no new draft either)',
      () => requester.addToBasket(t.db, staffB, { line: 'REF-L', quantity: 1001 }),
      'invalid',
    );
    await refusedWithoutTrace(
      'remove: not a draft',
      async () => requester.removeFromBasket(t.db, alice, submitted, await itemIdOf(submitted)),
      'conflict',
    );
    await refusedWithoutTrace(
      'remove: no such item',
      () => requester.removeFromBasket(t.db, alice, draft, 999_999),
      'not_found',
    );
    await refusedWithoutTrace(
      "remove: someone else's",
      () => requester.removeFromBasket(t.db, bob, draft, 1),
      'not_found',
    );
    await refusedWithoutTrace(
      'save: not editable',
      () => requester.saveDraft(t.db, alice, submitted, completeFields),
      'conflict',
    );
    await refusedWithoutTrace(
      'save: unknown item after a good one',
      async () =>
        requester.saveDraft(t.db, alice, draft, completeFields, [
          { id: await itemIdOf(draft), quantity: 3 },
          { id: 999_999, quantity: 1 },
        ]),
      'invalid',
    );
    await refusedWithoutTrace(
      "save: someone else's",
      () => requester.saveDraft(t.db, bob, draft, completeFields),
      'not_found',
    );
    await refusedWithoutTrace(
      'submit: agreement not ticked',
      () => requester.submitRequest(t.db, alice, draft, false),
      'invalid',
    );
    await refusedWithoutTrace('submit: incomplete', () => requester.submitRequest(t.db, alice, draft, true), 'invalid');
    await refusedWithoutTrace('submit: already submitted', () => requester.submitRequest(t.db, alice, submitted, true));
    await refusedWithoutTrace(
      'official: forged token',
      () => requester.confirmAsOfficial(t.db, 'forged.token'),
      'link',
    );
    await refusedWithoutTrace(
      'answer: nothing was asked',
      () => requester.answerInformationRequest(t.db, alice, submitted, 'here'),
      'transition',
    );
    await refusedWithoutTrace(
      "answer: someone else's",
      () => requester.answerInformationRequest(t.db, bob, info, 'here'),
      'not_found',
    );
    await refusedWithoutTrace(
      'withdraw: after shipping',
      () => requester.withdrawRequest(t.db, alice, shipped, 'changed my mind'),
      'transition',
    );
    await refusedWithoutTrace(
      "withdraw: someone else's",
      () => requester.withdrawRequest(t.db, bob, released, 'mine'),
      'not_found',
    );
    await refusedWithoutTrace(
      'receipt: not shipped',
      () => requester.confirmReceipt(t.db, alice, released, { condition: 'fine' }),
      'transition',
    );
    await refusedWithoutTrace(
      "re-accept: someone else's",
      () => requester.reacceptAgreements(t.db, bob, info),
      'not_found',
    );
    await refusedWithoutTrace(
      'recall acknowledgement: not theirs',
      () => acknowledgeRecall(t.db, bob, 999_999),
      'not_found',
    );
  });

  test("the bank's services", async () => {
    await refusedWithoutTrace(
      'review: already under review',
      () => staff.startReview(t.db, staffA, review),
      'transition',
    );
    await refusedWithoutTrace(
      'checklist: outside review',
      () => staff.updateChecklist(t.db, staffA, submitted, ['ethics']),
      'conflict',
    );
    await refusedWithoutTrace(
      'information: not under review',
      () => staff.requestInformation(t.db, staffA, submitted, '?'),
      'transition',
    );
    await refusedWithoutTrace(
      'approve: more than asked',
      async () =>
        staff.approveRequest(t.db, staffA, review, {
          password: TEST_PASSWORD,
          quantities: { [await itemIdOf(review)]: 5 },
        }),
      'invalid',
    );
    await refusedWithoutTrace(
      'approve: checklist incomplete',
      () => staff.approveRequest(t.db, staffA, review, { password: TEST_PASSWORD, quantities: {} }),
      'transition',
    );
    await refusedWithoutTrace(
      'approve: wrong password',
      () => staff.approveRequest(t.db, staffB, review, { password: 'wrong password', quantities: {} }),
      'bad_password',
    );
    await refusedWithoutTrace(
      'approve: someone asked for information',
      () => staff.approveRequest(t.db, staffA, info, { password: TEST_PASSWORD, quantities: {} }),
      'transition',
    );
    await refusedWithoutTrace('reject: no reason', () => staff.rejectRequest(t.db, staffA, review, ' '), 'transition');
    await refusedWithoutTrace('cancel: no reason', () => staff.cancelRequest(t.db, staffA, released, ''), 'transition');
    await refusedWithoutTrace('reserve: not approved', () => reserveRequest(t.db, staffA, review), 'transition');
    await refusedWithoutTrace(
      'reserve: second line short',
      () => reserveRequest(t.db, staffA, twoLines),
      'insufficient_stock',
    );
    await refusedWithoutTrace('reserve: by its requester', () => reserveRequest(t.db, bob, twoLines));
    await refusedWithoutTrace(
      'release: not reserved',
      () => staff.releaseRequest(t.db, staffA, approved, TEST_PASSWORD),
      'transition',
    );
    await refusedWithoutTrace(
      'release: wrong password',
      () => staff.releaseRequest(t.db, staffB, approved, 'wrong password'),
      'bad_password',
    );
    await refusedWithoutTrace(
      'outbound review: not prepared',
      () => staff.reviewOutbound(t.db, staffB, released, TEST_PASSWORD),
      'conflict',
    );
    await refusedWithoutTrace(
      'outbound: not released',
      () => staff.prepareOutbound(t.db, staffB, approved, { password: TEST_PASSWORD, ...outboundDates }),
      'transition',
    );
    await refusedWithoutTrace(
      'outbound: prepared by its requester',
      () => staff.prepareOutbound(t.db, alice, released, { password: TEST_PASSWORD, ...outboundDates }),
      'transition',
    );
    await refusedWithoutTrace(
      'outbound: wrong password',
      () => staff.prepareOutbound(t.db, staffB, released, { password: 'wrong password', ...outboundDates }),
      'bad_password',
    );
    must(await staff.prepareOutbound(t.db, staffB, released, { password: TEST_PASSWORD, ...outboundDates }));
    await refusedWithoutTrace(
      'outbound: prepared twice',
      () => staff.prepareOutbound(t.db, staffA, released, { password: TEST_PASSWORD, ...outboundDates }),
      'conflict',
    );
    await refusedWithoutTrace(
      'outbound review: by its operator',
      () => staff.reviewOutbound(t.db, staffB, released, TEST_PASSWORD),
      'same_person',
    );
    await refusedWithoutTrace(
      'outbound review: wrong password',
      () => staff.reviewOutbound(t.db, staffA, released, 'wrong password'),
      'bad_password',
    );
    await refusedWithoutTrace(
      'transport: outbound not reviewed',
      () =>
        shipments.recordTransport(t.db, staffB, released, {
          dispatchAt: new Date(),
          dispatchPlace: 'Bank',
          dispatchTempC: -190,
          requiredMinC: -196,
          requiredMaxC: -150,
          batchNumbers: 'REF-B',
          quantity: 1,
          deviceNumber: 'D',
          vehicle: 'v',
          carrier: 'c',
          courier: 'w',
        }),
      'transition',
    );
    await refusedWithoutTrace(
      'cancel: vials left (shipped)',
      () => staff.cancelRequest(t.db, staffA, shipped, 'lost'),
      'transition',
    );
    await refusedWithoutTrace(
      'close: no arrival recorded',
      () => staff.closeRequest(t.db, staffA, closable),
      'transition',
    );
    expect(await staff.closeRequest(t.db, staffA, closable)).toMatchObject({
      ok: false,
      failure: { error: { code: 'transport_incomplete' } },
    });
    await refusedWithoutTrace('close: open deviation', () => staff.closeRequest(t.db, staffA, shipped), 'transition');
    await refusedWithoutTrace('close: not received', () => staff.closeRequest(t.db, staffA, released), 'transition');
    await refusedWithoutTrace("message: someone else's", () => staff.postMessage(t.db, bob, review, 'hi'), 'not_found');
  });

  test('transport, logger, deviations, batches, agreements, prices', async () => {
    const transport = {
      dispatchAt: new Date(),
      dispatchPlace: 'Bank',
      dispatchTempC: -190,
      requiredMinC: -196,
      requiredMaxC: -150,
      batchNumbers: 'REF-B',
      quantity: 1,
      deviceNumber: 'D',
      vehicle: 'v',
      carrier: 'c',
      courier: 'w',
    };
    await refusedWithoutTrace(
      'transport: not released',
      () => shipments.recordTransport(t.db, staffB, approved, transport),
      'conflict',
    );
    await refusedWithoutTrace(
      'transport: limits the wrong way round',
      () => shipments.recordTransport(t.db, staffB, released, { ...transport, requiredMinC: -100, requiredMaxC: -150 }),
      'invalid',
    );
    await refusedWithoutTrace(
      'transport: recorded already',
      () => shipments.recordTransport(t.db, staffB, shipped, transport),
      'conflict',
    );
    await refusedWithoutTrace(
      'arrival: no dispatch',
      () =>
        shipments.recordArrival(t.db, staffB, released, {
          arrivalAt: new Date(),
          arrivalPlace: 'Lab',
          arrivalTempC: -190,
          receiver: 'Li',
        }),
      'conflict',
    );
    await refusedWithoutTrace(
      'logger: bad line',
      () =>
        shipments.uploadLoggerFile(t.db, staffB, shipped, {
          name: 'x.csv',
          text: 'timestamp,temperature_c\nnot a time,-1\n',
        }),
      'invalid',
    );
    await refusedWithoutTrace(
      'logger: no dispatch',
      () =>
        shipments.uploadLoggerFile(t.db, staffB, released, {
          name: 'x.csv',
          text: 'timestamp,temperature_c\n2026-11-21T08:00:00Z,-190\n',
        }),
      'conflict',
    );
    await refusedWithoutTrace(
      'logger: stored already',
      () =>
        shipments.uploadLoggerFile(t.db, staffB, shipped, {
          name: 'x.csv',
          text: 'timestamp,temperature_c\n2026-11-21T08:00:00Z,-190\n',
        }),
      'conflict',
    );
    await refusedWithoutTrace(
      'deviation: no assessment',
      () => shipments.closeDeviation(t.db, staffA, deviation, { assessment: ' ', password: TEST_PASSWORD }),
      'invalid',
    );
    await refusedWithoutTrace(
      'deviation: wrong password',
      () => shipments.closeDeviation(t.db, staffA, deviation, { assessment: 'fine', password: 'wrong password' }),
      'bad_password',
    );
    await refusedWithoutTrace(
      'deviation: none such',
      () => shipments.closeDeviation(t.db, staffA, 999_999, { assessment: 'fine', password: TEST_PASSWORD }),
      'not_found',
    );
    await refusedWithoutTrace(
      'batch: illegal status move',
      () => setBatchStatus(t.db, staffA, quarantined, { status: 'recalled', reason: 'x', password: TEST_PASSWORD }),
      'invalid',
    );
    await refusedWithoutTrace(
      'batch: no reason',
      () => setBatchStatus(t.db, staffA, batchId, { status: 'recalled', reason: ' ', password: TEST_PASSWORD }),
      'invalid',
    );
    await refusedWithoutTrace(
      'batch: wrong password',
      () =>
        setBatchStatus(t.db, staffA, batchId, {
          status: 'recalled',
          reason: 'contaminated',
          password: 'wrong password',
        }),
      'bad_password',
    );
    await refusedWithoutTrace(
      'agreement: version exists',
      () =>
        publishAgreement(t.db, admin, {
          code: 'standard-mta',
          title: 'x',
          version: '1.0',
          effectiveDate: '2025-01-01',
          body: 'y',
        }),
      'invalid',
    );
    await refusedWithoutTrace(
      'price: bad amount',
      () =>
        setPrice(t.db, staffA, {
          lineId: 1,
          batchId,
          wholeLine: false,
          useCategory: 'research',
          amount: '12,50',
          currency: 'USD',
        }),
      'invalid',
    );
  });
});
