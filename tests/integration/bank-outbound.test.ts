/**
 * The bank's side of the outbound (issue 18): the pick list assigns stored
 * vials first expiring first, a wrong label is refused and recorded, the
 * outbound sign-off's check (`assertPickConfirmed`) holds only when every
 * vial is scanned; shipped vials leave their positions; the trace goes from
 * vial and request back to batch, line and donor code; the batch timeline
 * and the registers carry every step.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { importText } from '#server/catalog/import/import-file.ts';
import type { Caller } from '#server/requests/core.ts';
import { receiveBatch } from '#server/bank/receipts.ts';
import { createStorageBox, createStorageUnit, storeBatchInBox } from '#server/bank/storage.ts';
import { recordIntakeTest, recordReleaseTest } from '#server/bank/testing.ts';
import {
  assertPickConfirmed,
  currentPickList,
  markPickedVialsShipped,
  pickListFor,
  PickNotConfirmed,
  scanLabel,
} from '#server/bank/picking.ts';
import { batchTimeline, retentionUntil, traceRequest, traceVial } from '#server/bank/trace.ts';
import { receiptRegisterCsv, releaseRegisterCsv, storageRegisterCsv } from '#server/bank/registers.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';
import {
  callerFor,
  driveTo,
  makeCaller,
  must,
  outboundDates,
  submittedRequest,
  TEST_PASSWORD,
} from '../support/requests.ts';
import * as staff from '#server/requests/staff.ts';
import { makeAccount } from '../support/accounts.ts';

let t: TestDatabase;
let anna: Caller;
let rita: Caller;
let bo: Caller;
let boEmail: string;
const batchIds: Record<string, number> = {};

const cosigned = () => ({ password: TEST_PASSWORD, reviewerEmail: boEmail, reviewerPassword: TEST_PASSWORD });
const items = [
  { item: 'Sterility', method: 'USP <71>', specification: 'No growth', result: 'No growth', withinSpec: true },
];

/** A bank batch received, stored in the box, intake-tested and released. */
async function releasedBankBatch(number: string, productionDate: string, vials: number, boxId: number) {
  const r = must(
    await receiveBatch(t.db, anna, {
      ...cosigned(),
      line: 'PICK-LINE',
      batchNumber: number,
      batchType: 'distribution',
      grade: 'research',
      productionDate,
      cellType: 'iPSC',
      handoverAt: new Date('2026-11-20T09:00:00Z'),
      handoverPlace: 'Receiving',
      dispatchedAt: new Date('2026-11-20T07:00:00Z'),
      arrivedAt: new Date('2026-11-20T08:00:00Z'),
      transportTempC: -190,
      requiredMinC: -196,
      requiredMaxC: -150,
      vials,
      courier: 'Courier',
    }),
  );
  must(
    await storeBatchInBox(t.db, anna, {
      ...cosigned(),
      batchId: r.batchId,
      boxId,
      envTempC: 20,
      startedAt: new Date('2026-11-20T10:00:00Z'),
      endedAt: new Date('2026-11-20T10:10:00Z'),
    }),
  );
  must(
    await recordIntakeTest(t.db, anna, {
      ...cosigned(),
      batchId: r.batchId,
      cellType: 'iPSC',
      handoverAt: new Date('2026-11-20T09:00:00Z'),
      handoverPerson: 'H',
      cellCount: 100,
      testedCount: 10,
      basis: 'SOP',
      testedOn: '2026-11-21',
      conclusion: 'pass',
      items,
    }),
  );
  must(
    await recordReleaseTest(t.db, anna, {
      ...cosigned(),
      batchId: r.batchId,
      cellType: 'iPSC',
      releaseQuantity: vials,
      basis: 'SOP',
      testedAt: new Date('2026-11-22T09:00:00Z'),
      conclusion: 'pass',
      items,
    }),
  );
  batchIds[number] = r.batchId;
  return r.batchId;
}

beforeAll(async () => {
  t = await useTestDatabase();
  const a = await makeAccount(t.db, 'staff');
  const b = await makeAccount(t.db, 'staff');
  anna = callerFor(a);
  boEmail = b.email;
  bo = callerFor(b);
  rita = await makeCaller(t.db, 'requester');
  expect(
    (await importText(t.pool, 'lines.csv', 'name,category,donor_code\nPICK-LINE,ipsc,DONOR-PK-1\n')).problems,
  ).toEqual([]);
  const unit = must(await createStorageUnit(t.db, anna, { code: 'PK-T1', kind: 'tank', name: 'Tank' }));
  const box = must(await createStorageBox(t.db, anna, { unitId: unit.id, rack: 'R2', code: 'B7', rows: 10, cols: 10 }));
  await releasedBankBatch('PK-B-1', '2026-09-01', 5, box.id);
});
afterAll(async () => t?.close());

describe('pick list and scan check', () => {
  test('picks stored vials (staff choice first), refuses a wrong label, and confirms only when every vial is scanned', async () => {
    const requestId = await submittedRequest(t.db, rita, 'PICK-LINE', 'PK-B-1', 2);
    await driveTo(t.db, requestId, 'reserved', anna);
    expect((await currentPickList(t.db, requestId)).lines, 'nothing is assigned until staff pick').toHaveLength(0);
    await expect(assertPickConfirmed(t.db, requestId)).rejects.toBeInstanceOf(PickNotConfirmed);
    const list = await pickListFor(t.db, requestId, { caller: anna, chosen: ['PK-B-1-V0004'] });
    expect(list.lines.map((l) => l.label).sort()).toEqual(['PK-B-1-V0001', 'PK-B-1-V0004']);
    expect(list.lines[0]).toMatchObject({
      unit: 'PK-T1',
      unitKind: 'tank',
      rack: 'R2',
      box: 'B7',
      row: 1,
      scanned: false,
    });
    expect((await pickListFor(t.db, requestId)).lines, 'picking again adds nothing').toHaveLength(2);

    expect(must(await scanLabel(t.db, anna, requestId, 'PK-B-1-V0002'))).toEqual({
      accepted: false,
      reason: 'not_on_list',
      scanned: 'PK-B-1-V0002',
    });
    expect(must(await scanLabel(t.db, anna, requestId, 'FORGED-LABEL'))).toMatchObject({
      accepted: false,
      reason: 'not_on_list',
    });
    expect(must(await scanLabel(t.db, anna, requestId, 'PK-B-1-V0004'))).toMatchObject({
      accepted: true,
      remaining: 1,
    });
    expect(must(await scanLabel(t.db, anna, requestId, 'PK-B-1-V0004'))).toMatchObject({
      accepted: false,
      reason: 'already_scanned',
    });
    await expect(assertPickConfirmed(t.db, requestId)).rejects.toThrow(/not scanned PK-B-1-V0001/);
    must(await scanLabel(t.db, anna, requestId, 'PK-B-1-V0001'));
    expect((await assertPickConfirmed(t.db, requestId)).length).toBe(2);
    const refused = await t.pool.query(
      'SELECT scanned FROM pick_scans WHERE request_id = $1 AND NOT accepted ORDER BY id',
      [requestId],
    );
    expect(
      refused.rows.map((r) => r.scanned),
      'wrong labels are recorded',
    ).toEqual(['PK-B-1-V0002', 'FORGED-LABEL']);

    expect(await t.db.transaction((tx) => markPickedVialsShipped(tx, requestId))).toBe(2);
    const shipped = await traceVial(t.db, 'PK-B-1-V0004');
    expect(shipped).toMatchObject({
      vial: { state: 'shipped', box: null, requestId },
      batch: { number: 'PK-B-1' },
      line: { name: 'PICK-LINE' },
      donorCode: 'DONOR-PK-1',
    });
    expect(await traceRequest(t.db, requestId)).toEqual([
      {
        batch: expect.objectContaining({ number: 'PK-B-1', qcSource: 'bank' }),
        line: { name: 'PICK-LINE' },
        donorCode: 'DONOR-PK-1',
      },
    ]);
  });
});

describe('the outbound sign-off asks the pick list', () => {
  test('the reviewer cannot sign while a picked vial is unscanned; once every label is scanned the vials leave their positions', async () => {
    const requestId = await submittedRequest(t.db, rita, 'PICK-LINE', 'PK-B-1', 1);
    await driveTo(t.db, requestId, 'released', anna);
    must(await staff.prepareOutbound(t.db, bo, requestId, { password: TEST_PASSWORD, ...outboundDates }));
    const [label] = (await pickListFor(t.db, requestId, { caller: bo })).lines.map((l) => l.label);
    expect(label).toBeDefined();
    const before = await t.pool.query(
      'SELECT (SELECT count(*) FROM signatures)::int AS signatures, (SELECT count(*) FROM stock_movements)::int AS moves',
    );
    expect(await staff.reviewOutbound(t.db, anna, requestId, TEST_PASSWORD)).toMatchObject({
      ok: false,
      failure: { code: 'invalid', key: 'bank.error.pickNotConfirmed', params: { pending: label } },
    });
    const after = await t.pool.query(
      'SELECT (SELECT count(*) FROM signatures)::int AS signatures, (SELECT count(*) FROM stock_movements)::int AS moves',
    );
    expect(after.rows[0], 'a refused sign-off signs and moves nothing').toEqual(before.rows[0]);
    must(await scanLabel(t.db, bo, requestId, label!));
    must(await staff.reviewOutbound(t.db, anna, requestId, TEST_PASSWORD));
    expect(await traceVial(t.db, label!)).toMatchObject({ vial: { state: 'shipped', box: null, requestId } });
  });
});

describe('the batch timeline and the registers', () => {
  test('the timeline carries receipt, testing, storage, release and the reservation, each with its signatures; retention is 30 years after the last', async () => {
    const timeline = await batchTimeline(t.db, batchIds['PK-B-1']!);
    const kinds = timeline.map((e) => e.kind);
    for (const k of ['receipt', 'storage', 'intake_test', 'release_test', 'reservation'] as const)
      expect(kinds).toContain(k);
    const receipt = timeline.find((e) => e.kind === 'receipt')!;
    expect(receipt.signatures.map((s) => s.meaning)).toEqual(['executed', 'reviewed']);
    const kept = retentionUntil(timeline)!;
    expect(kept.keepUntil.getUTCFullYear() - kept.lastHandling.getUTCFullYear()).toBe(30);
  });

  test('receipt, storage and release registers are CSV with a BOM and headers in both languages', async () => {
    const receipt = await receiptRegisterCsv(t.db, '2026-01-01', '2026-12-31', 'en');
    expect(receipt.startsWith('\uFEFF')).toBe(true);
    expect(receipt).toContain('Handover place / 交接地点');
    expect(receipt).toContain('PK-B-1');
    const storage = await storageRegisterCsv(t.db, '2026-01-01', '2026-12-31', 'zh');
    expect(storage).toContain('存储库区 / Storage area');
    expect(storage).toMatch(/PK-B-1-V0001: PK-T1\/R2\/B7 A1/);
    const release = await releaseRegisterCsv(t.db, '2026-01-01', '2026-12-31', 'en');
    expect(release).toContain('CoA version / CoA 版本');
    expect(release).toContain('Sterility (USP <71>): No growth [No growth]');
  });
});
