/** The demo data has batches received, tested, stored and released through the bank's records, alongside imported ones. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadDemoCatalog } from '#seed/load-demo.ts';
import { loadDemoBankRecords } from '#seed/bank-demo.ts';
import { verifyAuditChain } from '#server/platform/audit.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await useTestDatabase();
  await loadDemoCatalog(t.pool);
});
afterAll(async () => t?.close());

test('three demo batches through signed records, two released, one in quarantine; loading again adds nothing', async () => {
  await loadDemoBankRecords(t.db);
  await loadDemoBankRecords(t.db);
  const { rows } = await t.pool.query(
    `SELECT number, release_status, demo, vials_total FROM batches WHERE qc_source = 'bank' ORDER BY number`,
  );
  expect(rows).toEqual([
    { number: 'BANK-DEMO-001', release_status: 'released', demo: true, vials_total: 12 },
    { number: 'BANK-DEMO-002', release_status: 'released', demo: true, vials_total: 10 },
    { number: 'BANK-DEMO-003', release_status: 'quarantine', demo: true, vials_total: 8 },
  ]);
  const counts =
    await t.pool.query(`SELECT (SELECT count(*)::int FROM bank_receipts) AS receipts, (SELECT count(*)::int FROM vials WHERE box_id IS NOT NULL) AS placed,
    (SELECT count(*)::int FROM bank_deviations WHERE closed_at IS NOT NULL) AS assessed, (SELECT count(*)::int FROM batches WHERE qc_source = 'imported') AS imported`);
  expect(counts.rows[0]).toMatchObject({ receipts: 3, placed: 30, assessed: 1 });
  expect(counts.rows[0].imported).toBeGreaterThan(0);
  expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
});
