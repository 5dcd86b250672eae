/**
 * No deadlocks between requester and staff (issue 15 rule 11): every
 * transaction of the chain locks batch rows first (ascending id), then the
 * request, and the audit chain head last. Withdrawals, cancellations,
 * reservations, releases, lapses and a recall of another batch race on one
 * shared batch; none may fail with a database error, and the ledger must
 * agree with the batch's counters afterwards.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Caller, Result } from '#server/requests/core.ts';
import * as requester from '#server/requests/requester.ts';
import * as staff from '#server/requests/staff.ts';
import { lapseExpiredReservations, reserveRequest } from '#server/requests/reservations.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';
import { driveTo, makeCaller, seedLineWithBatch, submittedRequest, TEST_PASSWORD } from '../support/requests.ts';

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

test('withdraw, cancel, reserve, release and lapse racing on one batch: no database error, and the ledger agrees', async () => {
  const { batchId } = await seedLineWithBatch(t.pool, 'RACE-LINE', 'RACE-SHARED', 500);
  const rounds = 12;
  const plan: { withdraw: number; cancel: number; reserve: number; release: number; lapse: number }[] = [];
  for (let i = 0; i < rounds; i++) {
    const make = async (state: 'approved' | 'reserved') => {
      const id = await submittedRequest(t.db, alice, 'RACE-LINE', 'RACE-SHARED', 2);
      await driveTo(t.db, id, state, staffA);
      return id;
    };
    plan.push({
      withdraw: await make('reserved'),
      cancel: await make('reserved'),
      reserve: await make('approved'),
      release: await make('reserved'),
      lapse: await make('reserved'),
    });
  }
  await t.pool.query(`UPDATE requests SET reservation_expires_at = now() - interval '1 minute' WHERE id = ANY($1)`, [
    plan.map((p) => p.lapse),
  ]);

  const runs: Promise<Result<unknown> | number[]>[] = [];
  for (const p of plan) {
    runs.push(requester.withdrawRequest(t.db, alice, p.withdraw, 'no longer needed'));
    runs.push(staff.cancelRequest(t.db, staffB, p.cancel, 'duplicate request'));
    runs.push(reserveRequest(t.db, staffB, p.reserve));
    runs.push(staff.releaseRequest(t.db, staffB, p.release, TEST_PASSWORD));
    runs.push(lapseExpiredReservations(t.db));
  }
  const settled = await Promise.allSettled(runs);
  const errors = settled.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason));
  expect(errors, 'no transaction failed (deadlock or otherwise)').toEqual([]);
  const refused = settled.filter((s) => s.status === 'fulfilled' && !Array.isArray(s.value) && !s.value.ok);
  expect(refused, 'every step was allowed and went through').toEqual([]);

  const { rows } = await t.pool.query(
    `SELECT (SELECT count(*)::int FROM requests WHERE id = ANY($1) AND state = 'withdrawn') AS withdrawn,
            (SELECT count(*)::int FROM requests WHERE id = ANY($2) AND state = 'cancelled') AS cancelled,
            (SELECT count(*)::int FROM requests WHERE id = ANY($3) AND state = 'reserved') AS reserved,
            (SELECT count(*)::int FROM requests WHERE id = ANY($4) AND state = 'released') AS released,
            (SELECT count(*)::int FROM requests WHERE id = ANY($5) AND state = 'approved') AS lapsed`,
    [
      plan.map((p) => p.withdraw),
      plan.map((p) => p.cancel),
      plan.map((p) => p.reserve),
      plan.map((p) => p.release),
      plan.map((p) => p.lapse),
    ],
  );
  expect(rows[0]).toEqual({ withdrawn: rounds, cancelled: rounds, reserved: rounds, released: rounds, lapsed: rounds });
  const stock = await t.pool.query(
    `SELECT b.vials_available AS a, b.vials_reserved AS r,
       (SELECT sum(CASE kind WHEN 'reserved' THEN quantity WHEN 'unreserved' THEN -quantity WHEN 'shipped' THEN -quantity ELSE 0 END)::int FROM stock_movements WHERE batch_id = b.id) AS ledger_reserved
     FROM batches b WHERE b.id = $1`,
    [batchId],
  );
  // Reserved now: the reserve and release requests of every round, 2 vials each.
  expect(stock.rows[0]).toEqual({ a: 500 - rounds * 4, r: rounds * 4, ledger_reserved: rounds * 4 });
}, 240_000);
