/**
 * Stock is a ledger: movements are appended, never changed, and they alone
 * move a batch's counters. An import creates opening balances and can only
 * adjust stock when told to, with a reason.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { moveStock } from '#server/catalog/stock.ts';
import { formatProblem, importText } from '#server/catalog/import/import-file.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await useTestDatabase();
  const lines = 'name,category\nLEDGER-LINE-1,iPSC\n';
  const r = await importText(t.pool, 'lines.csv', lines);
  expect(r.problems).toEqual([]);
});
afterAll(async () => t?.close());

const batchFile = (available: number, total = 20) =>
  `batch_number,line,type,grade,release_status,vials_total,vials_available,vials_reserved,vials_shipped\nLB-001,LEDGER-LINE-1,distribution,research,released,${total},${available},0,0\n`;

async function stock(number = 'LB-001') {
  const { rows } = await t.pool.query(
    'SELECT id, vials_total, vials_available, vials_reserved, vials_shipped FROM batches WHERE number = $1',
    [number],
  );
  return rows[0] as {
    id: number;
    vials_total: number;
    vials_available: number;
    vials_reserved: number;
    vials_shipped: number;
  };
}

async function ledgerSums(batchId: number) {
  const { rows } = await t.pool.query(
    `SELECT kind, sum(quantity)::int AS q FROM stock_movements WHERE batch_id = $1 GROUP BY kind`,
    [batchId],
  );
  return Object.fromEntries(rows.map((r) => [r.kind, r.q])) as Record<string, number>;
}

describe('the stock ledger', () => {
  test('a new batch gets its opening balance as one received movement', async () => {
    const r = await importText(t.pool, 'batches.csv', batchFile(20));
    expect(r.problems).toEqual([]);
    const s = await stock();
    expect(s).toMatchObject({ vials_total: 20, vials_available: 20, vials_reserved: 0, vials_shipped: 0 });
    expect(await ledgerSums(s.id)).toEqual({ received: 20 });
  });

  test('after a reservation, re-importing changed counts is refused naming the batch, and the reservation stays', async () => {
    const { id } = await stock();
    const reserved = await t.db.transaction((tx) =>
      moveStock(tx, { batchId: id, kind: 'reserved', quantity: 3, actor: 'test', reason: 'request 1' }),
    );
    expect(reserved.ok).toBe(true);
    expect(await stock()).toMatchObject({ vials_available: 17, vials_reserved: 3 });

    const unchanged = await importText(t.pool, 'batches.csv', batchFile(20));
    expect(unchanged.problems, 'the same file again is not a change').toEqual([]);
    expect(unchanged.counts).toMatchObject({ updated: 0, unchanged: 1 });

    const changed = await importText(t.pool, 'batches.csv', batchFile(25, 25));
    expect(changed.problems.length).toBeGreaterThan(0);
    const message = changed.problems.map((p) => formatProblem('batches.csv', p)).join('\n');
    expect(message).toContain('batches.csv:2:');
    expect(message).toContain('LB-001');
    expect(message).toContain('--adjust-stock');
    expect(await stock(), 'the reservation is intact and nothing moved').toMatchObject({
      vials_total: 20,
      vials_available: 17,
      vials_reserved: 3,
    });
  });

  test('a stock move queues its batch and line for search in its own transaction, and a rolled-back one queues nothing', async () => {
    const s = await stock();
    const { rows: lines } = await t.pool.query('SELECT line_id FROM batches WHERE id = $1', [s.id]);
    const mark = (await t.pool.query('SELECT coalesce(max(id), 0)::bigint AS m FROM search_outbox')).rows[0].m;
    const pending = async () =>
      (
        await t.pool.query(`SELECT entity_type, entity_id, op FROM search_outbox WHERE id > $1 ORDER BY entity_type`, [
          mark,
        ])
      ).rows;
    await t.db
      .transaction(async (tx) => {
        await moveStock(tx, { batchId: s.id, kind: 'reserved', quantity: 1, actor: 'test' });
        throw new Error('roll back');
      })
      .catch(() => {});
    expect(await pending()).toEqual([]);
    const r = await t.db.transaction((tx) =>
      moveStock(tx, { batchId: s.id, kind: 'reserved', quantity: 1, actor: 'test' }),
    );
    expect(r.ok).toBe(true);
    await t.db.transaction((tx) => moveStock(tx, { batchId: s.id, kind: 'unreserved', quantity: 1, actor: 'test' }));
    expect(await pending()).toEqual([
      { entity_type: 'batch', entity_id: String(s.id), op: 'upsert' },
      { entity_type: 'batch', entity_id: String(s.id), op: 'upsert' },
      { entity_type: 'line', entity_id: String(lines[0].line_id), op: 'upsert' },
      { entity_type: 'line', entity_id: String(lines[0].line_id), op: 'upsert' },
    ]);
  });

  test('--adjust-stock records the difference as one adjusted movement with its reason', async () => {
    const r = await importText(t.pool, 'batches.csv', batchFile(25, 25), {
      adjustStock: '5 vials found in a second box',
    });
    expect(r.problems).toEqual([]);
    const s = await stock();
    expect(s).toMatchObject({ vials_total: 25, vials_available: 22, vials_reserved: 3 });
    const { rows } = await t.pool.query(
      `SELECT quantity, reason FROM stock_movements WHERE batch_id = $1 AND kind = 'adjusted'`,
      [s.id],
    );
    expect(rows).toEqual([{ quantity: 5, reason: '5 vials found in a second box' }]);
  });

  test('an import can never change reserved or shipped vials', async () => {
    const file =
      'batch_number,line,type,grade,release_status,vials_total,vials_available,vials_reserved,vials_shipped\nLB-001,LEDGER-LINE-1,distribution,research,released,25,23,0,2\n';
    const r = await importText(t.pool, 'batches.csv', file, { adjustStock: 'anything' });
    expect(r.problems.map((p) => p.field)).toContain('vials_shipped');
  });

  test('the counters always equal the sums of the ledger', async () => {
    const s = await stock();
    const sums = await ledgerSums(s.id);
    const get = (k: string) => sums[k] ?? 0;
    expect(s.vials_total).toBe(get('received') + get('adjusted'));
    expect(s.vials_reserved).toBe(get('reserved') - get('unreserved') - get('shipped'));
    expect(s.vials_shipped).toBe(get('shipped') - get('returned'));
    expect(s.vials_available).toBe(s.vials_total - s.vials_reserved - s.vials_shipped);
  });

  test('no reservation takes more than is available: refused by the service and by the database', async () => {
    const s = await stock();
    const r = await t.db.transaction((tx) =>
      moveStock(tx, { batchId: s.id, kind: 'reserved', quantity: s.vials_available + 1, actor: 'test' }),
    );
    expect(r).toMatchObject({ ok: false, reason: 'insufficient' });
    await expect(
      t.pool.query(`INSERT INTO stock_movements (batch_id, kind, quantity, actor) VALUES ($1, 'reserved', $2, 'sql')`, [
        s.id,
        s.vials_available + 1,
      ]),
    ).rejects.toThrow(/batches_vials_nonnegative/);
    expect(await stock()).toEqual(s);
  });

  test('movements cannot be updated, deleted or truncated', async () => {
    await expect(t.pool.query(`UPDATE stock_movements SET quantity = 1000`)).rejects.toThrow(/append-only/);
    await expect(t.pool.query(`DELETE FROM stock_movements`)).rejects.toThrow(/append-only/);
    await expect(t.pool.query(`TRUNCATE stock_movements`)).rejects.toThrow(/append-only/);
  });

  test('an adjustment needs a reason, and a movement a sign that fits its kind', async () => {
    const { id } = await stock();
    await expect(
      t.pool.query(`INSERT INTO stock_movements (batch_id, kind, quantity, actor) VALUES ($1, 'adjusted', 1, 'sql')`, [
        id,
      ]),
    ).rejects.toThrow(/adjustment_reason/);
    await expect(
      t.pool.query(`INSERT INTO stock_movements (batch_id, kind, quantity, actor) VALUES ($1, 'received', -1, 'sql')`, [
        id,
      ]),
    ).rejects.toThrow(/quantity_sign/);
  });

  test('migration 0060 renames old `released` rows to `unreserved` without moving a counter, and the ledger stays append-only', async () => {
    // A row as an older portal wrote it (the CHECK of the time allowed the old name).
    await t.pool.query('ALTER TABLE stock_movements DROP CONSTRAINT stock_movements_kind_known');
    await t.pool.query(
      `ALTER TABLE stock_movements ADD CONSTRAINT stock_movements_kind_known CHECK (kind IN ('received', 'reserved', 'released', 'shipped', 'adjusted', 'returned')) NOT VALID`,
    );
    const { rows: old } = await t.pool.query(
      `INSERT INTO stock_movements (batch_id, kind, quantity, actor, reason) VALUES ($1, 'released', 1, 'old', 'before 0060') RETURNING id`,
      [(await stock()).id],
    );
    const s = await stock();
    const sql = readFileSync(new URL('../../db/migrations/0060_unreserved_movement_kind.sql', import.meta.url), 'utf8');
    for (const statement of sql.split('--> statement-breakpoint')) await t.pool.query(statement);
    const { rows } = await t.pool.query('SELECT kind, quantity, actor, reason FROM stock_movements WHERE id = $1', [
      old[0].id,
    ]);
    expect(rows).toEqual([{ kind: 'unreserved', quantity: 1, actor: 'old', reason: 'before 0060' }]);
    expect(await stock(), 'the rewrite moves no counter').toEqual(s);
    await expect(t.pool.query(`UPDATE stock_movements SET quantity = 2 WHERE id = $1`, [old[0].id])).rejects.toThrow(
      /append-only/,
    );
    await expect(
      t.pool.query(`INSERT INTO stock_movements (batch_id, kind, quantity, actor) VALUES ($1, 'released', 1, 'sql')`, [
        s.id,
      ]),
    ).rejects.toThrow(/stock_movements_kind_known/);
  });

  test('every stock change and batch write is audited with the batch id as entity id', async () => {
    const { id } = await stock();
    const { rows } = await t.pool.query(
      `SELECT action, entity_id FROM audit_events WHERE entity_type = 'batch' ORDER BY id`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.entity_id).toBe(String(id));
  });
});
