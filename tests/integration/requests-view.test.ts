/**
 * The one loader of the request pages (requester, staff, both printable
 * records): a requester sees only their own request and never the staff-only
 * fields, donor identity or storage locations; the staff door is for staff;
 * the forms' data (screening facts, batches to reserve) is read only when the
 * step is open and a form is wanted.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Caller } from '#server/requests/core.ts';
import { recordTransport } from '#server/requests/shipments.ts';
import * as staff from '#server/requests/staff.ts';
import { loadRequestView, parseRequestId, type RequesterViewer, type StaffViewer } from '#server/requests/view.ts';
import { type TestDatabase, useTestDatabase } from '../support/db.ts';
import { driveTo, makeCaller, must, seedLineWithBatch, sendOut, submittedRequest } from '../support/requests.ts';

const DONOR_CODE = 'DONOR-VIEW-7781';
const STORAGE = 'TANK-9/RACK-2/BOX-4/A1';
const INTERNAL_NOTE = 'internal: check the tank log before release';

let t: TestDatabase;
let rita: Caller;
let bob: Caller;
let anna: Caller;
let bo: Caller;
let shipped: number;

const asRequester = (c: Caller): RequesterViewer => ({ audience: 'requester', id: c.id, name: c.name });
const asStaff = (c: Caller): StaffViewer => ({ audience: 'staff', ...c });

beforeAll(async () => {
  t = await useTestDatabase();
  rita = await makeCaller(t.db, 'requester');
  bob = await makeCaller(t.db, 'requester');
  anna = await makeCaller(t.db, 'staff');
  bo = await makeCaller(t.db, 'staff');
  await seedLineWithBatch(t.pool, 'VIEW-LINE', 'VIEW-B-1', 20);
  // The line has a donor and the batch a storage place: staff-only facts the requester's view must not carry.
  await t.pool.query(`INSERT INTO donors (code, sex) VALUES ($1, 'female')`, [DONOR_CODE]);
  await t.pool.query(`UPDATE lines SET donor_id = (SELECT id FROM donors WHERE code = $1) WHERE name = 'VIEW-LINE'`, [
    DONOR_CODE,
  ]);
  await t.pool.query(`UPDATE batches SET storage_location = $1 WHERE number = 'VIEW-B-1'`, [STORAGE]);

  shipped = await submittedRequest(t.db, rita, 'VIEW-LINE', 'VIEW-B-1', 2);
  await driveTo(t.db, shipped, 'released', anna);
  await sendOut(t.db, shipped, bo, anna);
  must(
    await recordTransport(t.db, bo, shipped, {
      dispatchAt: new Date('2026-11-02T09:00:00Z'),
      dispatchPlace: 'Bank, Beijing',
      dispatchTempC: -190,
      requiredMinC: -196,
      requiredMaxC: -150,
      batchNumbers: 'VIEW-B-1',
      quantity: 2,
      deviceNumber: 'DS-7',
      vehicle: 'van',
      carrier: 'ColdChain',
      courier: 'Wang',
      trackingNumber: '',
    }),
  );
  must(await staff.postMessage(t.db, anna, shipped, INTERNAL_NOTE, true));
});
afterAll(async () => t?.close());

describe('the requester door', () => {
  test('loads the requester their own request with the records, and nothing staff-only', async () => {
    const view = await loadRequestView(t.db, String(shipped), asRequester(rita));
    expect(view?.audience).toBe('requester');
    const detail = view!.detail;
    expect(detail.request.id).toBe(shipped);
    expect(detail.shipment?.carrier, 'the transport record is there').toBe('ColdChain');
    expect(detail.outbound).toHaveLength(1);
    expect(Object.keys(detail)).not.toContain('officialDomainDiffers');
    expect(Object.keys(detail)).not.toContain('preparerName');
    expect(Object.keys(detail)).not.toContain('approverName');
    const json = JSON.stringify(view);
    expect(json, 'no donor identity').not.toContain(DONOR_CODE);
    expect(json, 'no storage location').not.toContain(STORAGE);
    expect(json, 'no internal staff note').not.toContain(INTERNAL_NOTE);
  });

  test("someone else's request does not exist, for another requester or for staff through this door", async () => {
    expect(await loadRequestView(t.db, String(shipped), asRequester(bob))).toBeUndefined();
    expect(await loadRequestView(t.db, String(shipped), asRequester(anna))).toBeUndefined();
  });
});

describe('the staff door', () => {
  test('loads any request for staff, internal notes and staff-only fields included', async () => {
    const view = await loadRequestView(t.db, String(shipped), asStaff(anna));
    expect(view?.audience).toBe('staff');
    expect(view!.detail.preparerName).toBe(bo.name);
    expect(JSON.stringify(view!.detail.timeline)).toContain(INTERNAL_NOTE);
    expect(view!.detail.moves.has('recordTransport'), 'the dispatch is recorded').toBe(false);
  });

  test('finds nothing for an account that is not staff', async () => {
    expect(await loadRequestView(t.db, String(shipped), { ...asStaff(rita), role: 'requester' })).toBeUndefined();
  });

  test('reads the screening facts only while the checklist is open, and not for the printable record', async () => {
    const id = await submittedRequest(t.db, rita, 'VIEW-LINE', 'VIEW-B-1', 1);
    expect((await loadRequestView(t.db, String(id), asStaff(anna)))!.screening, 'submitted: no checklist').toBe(
      undefined,
    );
    await driveTo(t.db, id, 'under_review', anna);
    const open = await loadRequestView(t.db, String(id), asStaff(anna));
    expect(open!.screening).toEqual({ agreement: true, ethics: true, terms: true, grade: true, official: true });
    expect((await loadRequestView(t.db, String(id), asStaff(anna), { forms: false }))!.screening).toBeUndefined();
  });

  test('offers released batches for each approved line without one while reserving is open', async () => {
    const id = await submittedRequest(t.db, rita, 'VIEW-LINE', undefined, 1);
    await driveTo(t.db, id, 'approved', anna);
    const view = await loadRequestView(t.db, String(id), asStaff(anna));
    expect(view!.detail.moves.has('reserve')).toBe(true);
    expect(view!.reservationChoices.map((c) => c.batches.map((b) => b.number))).toEqual([['VIEW-B-1']]);
    expect((await loadRequestView(t.db, String(id), asStaff(anna), { forms: false }))!.reservationChoices).toEqual([]);
  });
});

test.each(['', 'abc', '12abc', '-1', '1e3', '1.5', '1234567890123456', undefined])(
  'the id %j is no request (not found, never an error)',
  async (raw) => {
    expect(parseRequestId(raw)).toBeUndefined();
    expect(await loadRequestView(t.db, raw, asStaff(anna))).toBeUndefined();
  },
);
