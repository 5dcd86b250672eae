/**
 * A recalled batch never leaves (issue 15 rule 1): release and outbound of a
 * batch that is not released for distribution are refused, in the same
 * transaction as the move; the recall lists the requests that hold a
 * reservation as well as those that received vials; new baskets and
 * submissions for the batch are refused; a recall racing a release or an
 * outbound never lets a vial out after it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { importText } from '#server/catalog/import/import-file.ts';
import type { Caller } from '#server/requests/core.ts';
import * as requester from '#server/requests/requester.ts';
import * as staff from '#server/requests/staff.ts';
import { recallNoticesOf, setBatchStatus } from '#server/requests/recall.ts';
import { listRequests, requestDetail } from '#server/requests/queries.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';
import {
  completeFields,
  driveTo,
  makeCaller,
  must,
  seedLineWithBatch,
  sendOut,
  submittedRequest,
  TEST_PASSWORD,
} from '../support/requests.ts';

let t: TestDatabase;
let alice: Caller;
let staffA: Caller;
let staffB: Caller;

beforeAll(async () => {
  t = await useTestDatabase();
  alice = await makeCaller(t.db, 'requester');
  staffA = await makeCaller(t.db, 'staff');
  staffB = await makeCaller(t.db, 'staff');
});
afterAll(async () => t?.close());

const outbound = { password: TEST_PASSWORD, plannedDate: '2026-11-20', actualDate: '2026-11-21' };

describe('a recalled batch', () => {
  test('is neither released nor shipped; its holders are on the look-back list and flagged; new requests for it are refused', async () => {
    const { batchId } = await seedLineWithBatch(t.pool, 'RCL-LINE', 'RCL-B-1', 20);
    const reserved = await submittedRequest(t.db, alice, 'RCL-LINE', 'RCL-B-1', 2);
    await driveTo(t.db, reserved, 'reserved', staffA);
    const released = await submittedRequest(t.db, alice, 'RCL-LINE', 'RCL-B-1', 2);
    await driveTo(t.db, released, 'released', staffA);
    const shipped = await submittedRequest(t.db, alice, 'RCL-LINE', 'RCL-B-1', 1);
    await driveTo(t.db, shipped, 'released', staffA);
    await sendOut(t.db, shipped, staffB, staffA);
    const { requestId: draft } = must(
      await requester.addToBasket(t.db, alice, { line: 'RCL-LINE', batch: 'RCL-B-1', quantity: 1 }),
    );
    must(await requester.saveDraft(t.db, alice, draft, completeFields));

    const r = must(
      await setBatchStatus(t.db, staffA, batchId, {
        status: 'recalled',
        reason: 'mycoplasma in retained sample',
        password: TEST_PASSWORD,
      }),
    );
    expect(r.notified).toBe(3);
    const notices = await recallNoticesOf(t.db, batchId);
    expect(notices.map((n) => [n.requestId, n.kind]).sort()).toEqual(
      [
        [reserved, 'reserved'],
        [released, 'reserved'],
        [shipped, 'received'],
      ].sort(),
    );

    expect(await staff.releaseRequest(t.db, staffB, reserved, TEST_PASSWORD)).toEqual({
      ok: false,
      failure: { code: 'batch_not_released', batch: 'RCL-B-1', status: 'recalled' },
    });
    expect(await staff.prepareOutbound(t.db, staffB, released, outbound)).toEqual({
      ok: false,
      failure: { code: 'batch_not_released', batch: 'RCL-B-1', status: 'recalled' },
    });
    const { rows } = await t.pool.query(`SELECT vials_shipped AS s FROM batches WHERE id = $1`, [batchId]);
    expect(rows[0].s, 'only the vial shipped before the recall left').toBe(1);

    expect(await requester.addToBasket(t.db, alice, { line: 'RCL-LINE', batch: 'RCL-B-1', quantity: 1 })).toMatchObject(
      { ok: false, failure: { code: 'invalid', field: 'batch' } },
    );
    expect(await requester.submitRequest(t.db, alice, draft, true)).toMatchObject({
      ok: false,
      failure: { code: 'invalid', key: 'batch_not_released', params: { batch: 'RCL-B-1' } },
    });

    const queue = await listRequests(t.db, {});
    expect(queue.find((q) => q.id === released)?.withdrawnBatches).toEqual(['RCL-B-1']);
    const detail = await requestDetail(t.db, reserved, staffA);
    expect(detail!.items[0]!.batchStatus).toBe('recalled');
    // The requester holding a reservation is told the vials will not be shipped.
    const mail = await t.pool.query(
      `SELECT body FROM mail_outbox WHERE body LIKE '%RCL-B-1%' AND body LIKE '%will not be shipped%'`,
    );
    expect(mail.rows.length).toBe(2);
  });

  test('a recall racing a release and an outbound (50 attempts) never lets a vial out after it', async () => {
    const n = 50;
    const batchesCsv = [
      'batch_number,line,type,grade,release_status,vials_total,vials_available,vials_reserved,vials_shipped',
      ...Array.from({ length: n }, (_, i) => `RACE-R-${i},RCL-RACE,distribution,research,released,5,5,0,0`),
    ].join('\n');
    expect((await importText(t.pool, 'lines.csv', 'name,category\nRCL-RACE,ipsc\n')).problems).toEqual([]);
    expect((await importText(t.pool, 'batches.csv', batchesCsv)).problems).toEqual([]);
    const carol = await makeCaller(t.db, 'requester');
    const attempts: { requestId: number; batchId: number; released: boolean }[] = [];
    for (let i = 0; i < n; i++) {
      const requestId = await submittedRequest(t.db, carol, 'RCL-RACE', `RACE-R-${i}`, 1);
      // Half start reserved (release, then outbound, race the recall), half released (the outbound races it).
      await driveTo(t.db, requestId, i % 2 ? 'released' : 'reserved', staffA);
      const { rows } = await t.pool.query(`SELECT id FROM batches WHERE number = $1`, [`RACE-R-${i}`]);
      attempts.push({ requestId, batchId: rows[0].id, released: i % 2 === 1 });
    }
    // Each attempt races its recall against its release and outbound; attempts run five at a time, so the
    // pool's connection wait stays short on a busy machine (the race is within an attempt, not between them).
    const race = async (a: (typeof attempts)[number]) => {
      const recall = setBatchStatus(t.db, staffA, a.batchId, {
        status: 'recalled',
        reason: 'race',
        password: TEST_PASSWORD,
      });
      const move = (async () => {
        if (!a.released) {
          const r = await staff.releaseRequest(t.db, staffB, a.requestId, TEST_PASSWORD);
          if (!r.ok) return r;
        }
        const prepared = await staff.prepareOutbound(t.db, staffB, a.requestId, outbound);
        if (!prepared.ok) return prepared;
        return staff.reviewOutbound(t.db, staffA, a.requestId, TEST_PASSWORD);
      })();
      const [recalled, moved] = await Promise.all([recall, move]);
      return { ...a, recalled, moved };
    };
    const outcomes: Awaited<ReturnType<typeof race>>[] = [];
    for (let i = 0; i < attempts.length; i += 5)
      outcomes.push(...(await Promise.all(attempts.slice(i, i + 5).map(race))));
    let shippedBeforeRecall = 0;
    for (const o of outcomes) {
      expect(o.recalled.ok, `recall of batch ${o.batchId}`).toBe(true);
      if (!o.moved.ok) {
        expect(o.moved.failure.code).toBe('batch_not_released');
        continue;
      }
      // Both committed: the audit chain is ordered by commit (its head is locked to the end), so the outbound came first.
      const { rows } = await t.pool.query(
        `SELECT (SELECT max(id) FROM audit_events WHERE entity_type = 'request' AND entity_id = $1 AND action IN ('request.released', 'request.outbound_recorded')) AS moved,
                (SELECT id FROM audit_events WHERE entity_type = 'batch' AND entity_id = $2 AND action = 'batch.status_changed') AS recalled`,
        [String(o.requestId), String(o.batchId)],
      );
      expect(Number(rows[0].moved), `request ${o.requestId} shipped before the recall`).toBeLessThan(
        Number(rows[0].recalled),
      );
      shippedBeforeRecall++;
    }
    // Every vial that left is on the look-back list; no vial of a recalled batch left after the recall.
    const { rows } = await t.pool.query(
      `SELECT count(*)::int AS n FROM stock_movements m WHERE m.kind = 'shipped' AND m.batch_id = ANY($1)
       AND NOT EXISTS (SELECT 1 FROM recall_notices n WHERE n.batch_id = m.batch_id AND n.request_id = m.request_id AND n.kind = 'received')`,
      [attempts.map((a) => a.batchId)],
    );
    expect(rows[0].n).toBe(0);
    expect(shippedBeforeRecall).toBeLessThanOrEqual(n);
  }, 240_000);
});
