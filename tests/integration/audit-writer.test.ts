/** The one audit writer: one rule for entity ids, single and bulk rows alike, and one chain. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { recordAudit, recordAuditBulk, verifyAuditChain } from '#server/platform/audit.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';

let t: TestDatabase;
beforeAll(async () => (t = await useTestDatabase()));
afterAll(async () => t?.close());

test('an entity id that is not the primary key is refused before anything is written', async () => {
  await expect(
    t.db.transaction((tx) =>
      recordAudit(tx, { actor: 'test', action: 'line.updated', entityType: 'line', entityId: 'UKBi008-A' }),
    ),
  ).rejects.toThrow(/primary key/);
  await expect(
    t.db.transaction((tx) =>
      recordAudit(tx, { actor: 'test', action: 'account.created', entityType: 'account', entityId: '42' }),
    ),
  ).rejects.toThrow(/primary key/);
  const client = await t.pool.connect();
  try {
    await expect(
      recordAuditBulk(client, [{ actor: 'test', action: 'batch.created', entityType: 'batch', entityId: 'MCB-1' }]),
    ).rejects.toThrow(/primary key/);
  } finally {
    client.release();
  }
  const { rows } = await t.pool.query('SELECT count(*)::int AS n FROM audit_events');
  expect(rows[0].n).toBe(0);
});

test('single and bulk rows land in one verified chain', async () => {
  await t.db.transaction((tx) =>
    recordAudit(tx, {
      actor: 'test',
      action: 'line.updated',
      entityType: 'line',
      entityId: 7,
      before: { a: 1 },
      after: { a: 2 },
      reason: 'typo',
    }),
  );
  const client = await t.pool.connect();
  try {
    await recordAuditBulk(client, [
      { actor: 'test', action: 'batch.created', entityType: 'batch', entityId: 1, after: { n: 'B-1' } },
      { actor: 'test', action: 'batch.created', entityType: 'batch', entityId: 2, after: { n: 'B-2' } },
    ]);
  } finally {
    client.release();
  }
  const report = await verifyAuditChain(t.db);
  expect(report).toMatchObject({ ok: true, events: 3 });
});
