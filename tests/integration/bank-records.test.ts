/**
 * The batch's own record in the bank (issue 18): receipt with a logger file,
 * storage positions, intake and release testing signed by two people, the
 * signed release as the only way a bank batch becomes available, destruction
 * through the ledger, and the database's own refusals, tried as the app role
 * with direct SQL.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDatabase, createPool, type Database } from '#db/client.ts';
import { importText } from '#server/catalog/import/import-file.ts';
import { verifyAuditChain } from '#server/platform/audit.ts';
import type { Caller } from '#server/requests/core.ts';
import { receiveBatch, type ReceiptInput } from '#server/bank/receipts.ts';
import {
  boxView,
  checkLocation,
  createStorageBox,
  createStorageUnit,
  moveVial,
  storeBatchInBox,
} from '#server/bank/storage.ts';
import { recordIntakeTest, recordReleaseTest, coaFromRelease, type TestItem } from '#server/bank/testing.ts';
import { assessDeviation } from '#server/bank/deviations.ts';
import { destroyVials } from '#server/bank/destruction.ts';
import { setBatchStatus } from '#server/requests/recall.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';
import { callerFor, must, TEST_PASSWORD } from '../support/requests.ts';
import { makeAccount } from '../support/accounts.ts';

let t: TestDatabase;
let app: ReturnType<typeof createPool>;
let appDb: Database;
let anna: Caller;
let bo: Caller;
let annaEmail: string;
let boEmail: string;
let boxId: number;

const LOGGER = [
  '# logger_serial: DL-7',
  '# interval_s: 600',
  'timestamp,temperature_c',
  '2026-11-20T08:00:00Z,-190.0',
  '2026-11-20T08:10:00Z,-140.0',
  '2026-11-20T08:20:00Z,-135.5',
  '2026-11-20T08:30:00Z,-188.0',
].join('\n');

const items: TestItem[] = [
  { item: 'Sterility', method: 'USP <71>', specification: 'No growth', result: 'No growth', withinSpec: true },
  { item: 'Mycoplasma', method: 'qPCR', specification: 'Negative', result: 'Negative', withinSpec: true },
];

function receipt(batchNumber: string, extra: Partial<ReceiptInput> = {}): ReceiptInput {
  return {
    line: 'BANK-LINE',
    batchNumber,
    batchType: 'distribution',
    grade: 'research',
    productionDate: '2026-10-01',
    cellType: 'iPSC',
    handoverAt: new Date('2026-11-20T09:00:00Z'),
    handoverPlace: 'Bank receiving room',
    dispatchedAt: new Date('2026-11-20T07:50:00Z'),
    arrivedAt: new Date('2026-11-20T08:45:00Z'),
    requiredMinC: -196,
    requiredMaxC: -150,
    loggerFile: { name: 'dl7.csv', text: LOGGER },
    vials: 6,
    courier: 'Wang Courier',
    password: TEST_PASSWORD,
    reviewerEmail: boEmail,
    reviewerPassword: TEST_PASSWORD,
    ...extra,
  };
}

const cosigned = () => ({ password: TEST_PASSWORD, reviewerEmail: boEmail, reviewerPassword: TEST_PASSWORD });

beforeAll(async () => {
  t = await useTestDatabase();
  app = createPool(t.appUrl, { max: 3 });
  appDb = createDatabase(app);
  const a = await makeAccount(t.db, 'staff');
  const b = await makeAccount(t.db, 'staff');
  anna = callerFor(a);
  bo = callerFor(b);
  annaEmail = a.email;
  boEmail = b.email;
  expect((await importText(t.pool, 'lines.csv', 'name,category\nBANK-LINE,ipsc\n')).problems).toEqual([]);
  const unit = must(await createStorageUnit(appDb, anna, { code: 'LN2-01', kind: 'tank', name: 'Tank 1' }));
  boxId = must(await createStorageBox(appDb, anna, { unitId: unit.id, rack: 'R1', code: 'B1', rows: 9, cols: 9 })).id;
});
afterAll(async () => {
  await app?.end();
  await t?.close();
});

/** One statement as the app role, rolled back; the error message or 'ok'. */
async function asApp(statement: string, params: unknown[] = []): Promise<string> {
  const client = await app.connect();
  try {
    await client.query('BEGIN');
    await client.query(statement, params);
    return 'ok';
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    client.release();
  }
}

describe('receipt into the bank', () => {
  test('reads the logger file, flags the excursion as a deviation, opens the stock with a received movement and creates labelled vials', async () => {
    const r = must(await receiveBatch(appDb, anna, receipt('BK-R-1')));
    expect(r.deviations).toBe(1);
    const { rows: batch } = await t.pool.query(
      'SELECT release_status, qc_source, vials_total, vials_available FROM batches WHERE id = $1',
      [r.batchId],
    );
    expect(batch[0]).toMatchObject({
      release_status: 'quarantine',
      qc_source: 'bank',
      vials_total: 6,
      vials_available: 6,
    });
    const { rows: moves } = await t.pool.query('SELECT kind, quantity FROM stock_movements WHERE batch_id = $1', [
      r.batchId,
    ]);
    expect(moves).toEqual([{ kind: 'received', quantity: 6 }]);
    const { rows: readings } = await t.pool.query(
      'SELECT count(*)::int AS n FROM bank_receipt_readings WHERE receipt_id = $1',
      [r.receipt.id],
    );
    expect(readings[0].n).toBe(4);
    const { rows: dev } = await t.pool.query(
      'SELECT source, extreme_c, closed_at FROM bank_deviations WHERE receipt_id = $1',
      [r.receipt.id],
    );
    expect(dev).toEqual([{ source: 'receipt_logger', extreme_c: '-135.50', closed_at: null }]);
    const { rows: v } = await t.pool.query('SELECT label FROM vials WHERE batch_id = $1 ORDER BY id', [r.batchId]);
    expect(v.map((x) => x.label)).toEqual([
      'BK-R-1-V0001',
      'BK-R-1-V0002',
      'BK-R-1-V0003',
      'BK-R-1-V0004',
      'BK-R-1-V0005',
      'BK-R-1-V0006',
    ]);
    expect(r.receipt.operatorId).toBe(anna.id);
    expect(r.receipt.reviewerId).toBe(bo.id);
  });

  test('a bad logger file names its line and records nothing', async () => {
    const bad = await receiveBatch(
      appDb,
      anna,
      receipt('BK-R-BAD', {
        loggerFile: { name: 'x.csv', text: 'timestamp,temperature_c\n2026-11-20T08:00:00Z,cold\n' },
      }),
    );
    expect(bad).toMatchObject({ ok: false, failure: { code: 'invalid', field: 'loggerFile' } });
    expect((bad as { failure: { message: string } }).failure.message).toMatch(/^x\.csv:2: /);
    const { rows } = await t.pool.query(`SELECT 1 FROM batches WHERE number = 'BK-R-BAD'`);
    expect(rows).toEqual([]);
  });

  test('the operator cannot be their own reviewer; a wrong reviewer password signs nothing', async () => {
    expect(await receiveBatch(appDb, anna, receipt('BK-R-2', { reviewerEmail: annaEmail }))).toMatchObject({
      ok: false,
      failure: { code: 'same_person' },
    });
    const before = (await t.pool.query('SELECT count(*)::int AS n FROM signatures')).rows[0].n;
    expect(
      await receiveBatch(appDb, anna, receipt('BK-R-2', { reviewerPassword: 'wrong password here' })),
    ).toMatchObject({ ok: false, failure: { code: 'invalid', field: 'reviewerPassword' } });
    expect(
      (await t.pool.query('SELECT count(*)::int AS n FROM signatures')).rows[0].n,
      'no orphan signature of the operator',
    ).toBe(before);
    expect((await t.pool.query(`SELECT count(*)::int AS n FROM batches WHERE number = 'BK-R-2'`)).rows[0].n).toBe(0);
  });
});

describe('the database refuses', () => {
  test('the same account as operator and reviewer on every signed record (direct SQL as the app role)', async () => {
    const { rows } = await t.pool.query(`SELECT * FROM bank_receipts LIMIT 1`);
    const r = rows[0];
    const same = [anna.id, 'A', r.operator_signature_id, anna.id, 'A', r.reviewer_signature_id];
    const tables: [string, string, unknown[]][] = [
      [
        'bank_receipts',
        `INSERT INTO bank_receipts (batch_id, batch_number, cell_type, handover_at, handover_place, dispatched_at, arrived_at, transport_temp_c, required_min_c, required_max_c, vials, courier, operator_id, operator_name, operator_signature_id, reviewer_id, reviewer_name, reviewer_signature_id) VALUES ($7, 'x', 'x', now(), 'x', now(), now(), -190, -196, -150, 1, 'x', $1, $2, $3, $4, $5, $6)`,
        [r.batch_id],
      ],
      [
        'storage_operations',
        `INSERT INTO storage_operations (batch_id, kind, unit_id, env_temp_c, started_at, ended_at, operator_id, operator_name, operator_signature_id, reviewer_id, reviewer_name, reviewer_signature_id) VALUES ($7, 'store', (SELECT min(id) FROM storage_units), 20, now(), now(), $1, $2, $3, $4, $5, $6)`,
        [r.batch_id],
      ],
      [
        'location_checks',
        `INSERT INTO location_checks (box_id, checked_at, outcome, expected_vials, operator_id, operator_name, operator_signature_id, reviewer_id, reviewer_name, reviewer_signature_id) VALUES ($7, now(), 'match', 0, $1, $2, $3, $4, $5, $6)`,
        [boxId],
      ],
      [
        'intake_tests',
        `INSERT INTO intake_tests (batch_id, batch_number, cell_type, handover_at, handover_person, cell_count, tested_count, basis, tested_on, conclusion, operator_id, operator_name, operator_signature_id, reviewer_id, reviewer_name, reviewer_signature_id) VALUES ($7, 'x', 'x', now(), 'x', 1, 1, 'x', current_date, 'pass', $1, $2, $3, $4, $5, $6)`,
        [r.batch_id],
      ],
      [
        'release_tests',
        `INSERT INTO release_tests (batch_id, batch_number, cell_type, release_quantity, basis, tested_at, conclusion, coa_version, operator_id, operator_name, operator_signature_id, reviewer_id, reviewer_name, reviewer_signature_id) VALUES ($7, 'x', 'x', 1, 'x', now(), 'pass', 99, $1, $2, $3, $4, $5, $6)`,
        [r.batch_id],
      ],
      [
        'destructions',
        `INSERT INTO destructions (batch_id, quantity, reason, destroyed_at, movement_id, operator_id, operator_name, operator_signature_id, reviewer_id, reviewer_name, reviewer_signature_id) VALUES ($7, 1, 'x', now(), (SELECT min(id) FROM stock_movements), $1, $2, $3, $4, $5, $6)`,
        [r.batch_id],
      ],
    ];
    for (const [table, statement, extra] of tables) {
      expect(await asApp(statement, [...same, ...extra]), table).toMatch(new RegExp(`${table}_two_people`));
      const two = [anna.id, 'A', r.operator_signature_id, bo.id, 'B', r.reviewer_signature_id];
      expect(await asApp(statement, [...two, ...extra]), `${table} with two people`).toBe('ok');
    }
  });

  test('a bank batch released without a signed release; an imported batch keeps its imported release', async () => {
    const { rows } = await t.pool.query(`SELECT id FROM batches WHERE number = 'BK-R-1'`);
    expect(await asApp(`UPDATE batches SET release_status = 'released' WHERE id = $1`, [rows[0].id])).toMatch(
      /cannot be released without a signed, passing release test/,
    );
    expect(await asApp(`UPDATE batches SET qc_source = 'imported' WHERE id = $1`, [rows[0].id])).toMatch(
      /cannot become imported/,
    );
    expect(
      await setBatchStatus(appDb, anna, rows[0].id, {
        status: 'released',
        reason: 'looks fine',
        password: TEST_PASSWORD,
      }),
      'the status form cannot stand in for the signed release',
    ).toMatchObject({ ok: false, failure: { key: 'bank.error.releaseThroughTest' } });
    expect(
      (
        await importText(
          t.pool,
          'batches.csv',
          'batch_number,line,type,grade,release_status,vials_total,vials_available,vials_reserved,vials_shipped\nBK-IMP-1,BANK-LINE,distribution,research,released,3,3,0,0\n',
        )
      ).problems,
    ).toEqual([]);
    const imported = await t.pool.query(`SELECT release_status, qc_source FROM batches WHERE number = 'BK-IMP-1'`);
    expect(imported.rows[0]).toEqual({ release_status: 'released', qc_source: 'imported' });
  });

  test('two vials in one position, a vial that left holding one, a position outside its box', async () => {
    const { rows } = await t.pool.query(
      `SELECT id FROM vials WHERE label IN ('BK-R-1-V0001', 'BK-R-1-V0002') ORDER BY label`,
    );
    const [a, b] = rows.map((r) => r.id);
    expect(await asApp(`UPDATE vials SET box_id = $1, "row" = 9, col = 9 WHERE id IN ($2, $3)`, [boxId, a, b])).toMatch(
      /vials_one_per_position/,
    );
    expect(
      await asApp(`UPDATE vials SET state = 'shipped', box_id = $1, "row" = 9, col = 9 WHERE id = $2`, [boxId, a]),
    ).toMatch(/vials_left_hold_no_position/);
    expect(await asApp(`UPDATE vials SET box_id = $1, "row" = 10, col = 1 WHERE id = $2`, [boxId, a])).toMatch(
      /outside box/,
    );
    expect(await asApp(`DELETE FROM vials WHERE id = $1`, [a])).toMatch(/permission denied/);
  });
});

describe('storage, testing and release', () => {
  test('vials stored in a box appear in its grid; a move records from and to; a location check is signed', async () => {
    const { rows } = await t.pool.query(`SELECT id FROM batches WHERE number = 'BK-R-1'`);
    const batchId = rows[0].id;
    const stored = must(
      await storeBatchInBox(appDb, anna, {
        ...cosigned(),
        batchId,
        boxId,
        envTempC: 21.5,
        startedAt: new Date('2026-11-20T10:00:00Z'),
        endedAt: new Date('2026-11-20T10:20:00Z'),
      }),
    );
    expect(stored.placed).toBe(6);
    const view = await boxView(appDb, boxId);
    expect(view!.cells[0]!.slice(0, 7).map((c) => c?.label ?? null)).toEqual([
      'BK-R-1-V0001',
      'BK-R-1-V0002',
      'BK-R-1-V0003',
      'BK-R-1-V0004',
      'BK-R-1-V0005',
      'BK-R-1-V0006',
      null,
    ]);
    expect(
      await moveVial(appDb, anna, {
        ...cosigned(),
        label: 'BK-R-1-V0006',
        boxId,
        row: 1,
        col: 1,
        envTempC: 21,
        startedAt: new Date(),
        endedAt: new Date(),
      }),
    ).toMatchObject({ ok: false, failure: { key: 'bank.error.positionTaken' } });
    must(
      await moveVial(appDb, anna, {
        ...cosigned(),
        label: 'BK-R-1-V0006',
        boxId,
        row: 9,
        col: 9,
        envTempC: 21,
        startedAt: new Date(),
        endedAt: new Date(),
      }),
    );
    const { rows: moves } = await t.pool.query(
      `SELECT from_row, from_col, to_row, to_col FROM vial_moves m JOIN vials v ON v.id = m.vial_id WHERE v.label = 'BK-R-1-V0006' ORDER BY m.id`,
    );
    expect(moves).toEqual([
      { from_row: null, from_col: null, to_row: 1, to_col: 6 },
      { from_row: 1, from_col: 6, to_row: 9, to_col: 9 },
    ]);
    expect(
      await checkLocation(appDb, anna, { ...cosigned(), boxId, outcome: 'mismatch', notes: '', checkedAt: new Date() }),
    ).toMatchObject({ ok: false, failure: { field: 'notes' } });
    must(
      await checkLocation(appDb, anna, { ...cosigned(), boxId, outcome: 'match', notes: '', checkedAt: new Date() }),
    );
    expect((await boxView(appDb, boxId))!.lastCheck?.outcome).toBe('match');
  });

  test('a signed release needs a passing intake test and no open deviation, then releases the batch and generates the CoA', async () => {
    const { rows } = await t.pool.query(`SELECT id FROM batches WHERE number = 'BK-R-1'`);
    const batchId = rows[0].id;
    const release = {
      ...cosigned(),
      batchId,
      cellType: 'iPSC',
      releaseQuantity: 6,
      basis: 'SOP-QC-001',
      testedAt: new Date('2026-11-25T09:00:00Z'),
      conclusion: 'pass' as const,
      items,
    };
    expect(await recordReleaseTest(appDb, anna, release)).toMatchObject({
      ok: false,
      failure: { key: 'bank.error.noIntake' },
    });
    const oos = { ...items[1]!, result: 'Positive', withinSpec: false };
    const intake = {
      ...cosigned(),
      batchId,
      cellType: 'iPSC',
      handoverAt: new Date('2026-11-20T09:00:00Z'),
      handoverPerson: 'Liu Handover',
      cellCount: 6_000_000,
      testedCount: 1_000_000,
      basis: 'SOP-QC-001',
      testedOn: '2026-11-21',
      conclusion: 'pass' as const,
      items: [items[0]!, oos],
    };
    expect(await recordIntakeTest(appDb, anna, intake), 'pass with a result out of specification').toMatchObject({
      ok: false,
      failure: { key: 'bank.error.passWithOos' },
    });
    const failed = must(await recordIntakeTest(appDb, anna, { ...intake, conclusion: 'fail' }));
    expect(failed.deviations).toBe(1);
    must(await recordIntakeTest(appDb, anna, { ...intake, items }));
    expect(await recordReleaseTest(appDb, anna, release)).toMatchObject({
      ok: false,
      failure: { key: 'bank.error.openDeviation' },
    });
    const open = await t.pool.query(
      'SELECT id FROM bank_deviations WHERE batch_id = $1 AND closed_at IS NULL ORDER BY id',
      [batchId],
    );
    expect(open.rows).toHaveLength(2);
    for (const d of open.rows)
      must(
        await assessDeviation(appDb, bo, {
          deviationId: d.id,
          assessment: 'Assessed: no impact on the vials, retest passed',
          password: TEST_PASSWORD,
        }),
      );
    expect(await asApp(`UPDATE bank_deviations SET assessment = 'rewritten' WHERE id = $1`, [open.rows[0].id])).toMatch(
      /only the signed assessment/,
    );
    const released = must(await recordReleaseTest(appDb, anna, release));
    expect(released).toMatchObject({ coaVersion: 1, released: true });
    const b = await t.pool.query('SELECT release_status FROM batches WHERE id = $1', [batchId]);
    expect(b.rows[0].release_status).toBe('released');
    const qc = await t.pool.query(
      'SELECT test, result, outcome, tested_by, reviewed_by FROM qc_results WHERE batch_id = $1 ORDER BY position',
      [batchId],
    );
    expect(qc.rows).toEqual([
      { test: 'Sterility', result: 'No growth', outcome: 'pass', tested_by: 'Test staff', reviewed_by: 'Test staff' },
      { test: 'Mycoplasma', result: 'Negative', outcome: 'pass', tested_by: 'Test staff', reviewed_by: 'Test staff' },
    ]);
    const again = must(
      await recordReleaseTest(appDb, anna, {
        ...release,
        items: [
          ...items,
          { item: 'Viability', method: 'Trypan blue', specification: '>= 70%', result: '88%', withinSpec: true },
        ],
      }),
    );
    expect(again.coaVersion).toBe(2);
    expect((await coaFromRelease(appDb, batchId))!.items).toHaveLength(3);
    expect((await coaFromRelease(appDb, batchId, 1))!.items, 'an earlier CoA version stays readable').toHaveLength(2);
  });
});

describe('destruction and the ledger', () => {
  test('destroyed vials leave the stock through the ledger and their positions; the ledger sums agree with the counters', async () => {
    const { rows } = await t.pool.query(`SELECT id FROM batches WHERE number = 'BK-R-1'`);
    const batchId = rows[0].id;
    expect(
      await destroyVials(appDb, anna, {
        ...cosigned(),
        labels: ['BK-R-1-V0002'],
        reason: ' ',
        destroyedAt: new Date(),
      }),
    ).toMatchObject({ ok: false, failure: { field: 'reason' } });
    must(
      await destroyVials(appDb, anna, {
        ...cosigned(),
        labels: ['BK-R-1-V0002', 'BK-R-1-V0003'],
        reason: 'Cracked vials found at location check',
        destroyedAt: new Date(),
      }),
    );
    expect(
      await destroyVials(appDb, anna, {
        ...cosigned(),
        labels: ['BK-R-1-V0002'],
        reason: 'again',
        destroyedAt: new Date(),
      }),
    ).toMatchObject({ ok: false, failure: { key: 'bank.error.notDestroyable' } });
    const v = await t.pool.query(`SELECT state, box_id FROM vials WHERE label = 'BK-R-1-V0002'`);
    expect(v.rows[0]).toEqual({ state: 'destroyed', box_id: null });
    const sums = await t.pool.query(
      `SELECT b.vials_total, b.vials_available,
        (SELECT sum(CASE WHEN kind IN ('received', 'adjusted') THEN quantity ELSE 0 END)::int FROM stock_movements WHERE batch_id = b.id) AS ledger_total,
        (SELECT count(*)::int FROM vials WHERE batch_id = b.id AND state = 'in_bank') AS vials_in_bank
       FROM batches b WHERE b.id = $1`,
      [batchId],
    );
    expect(sums.rows[0]).toEqual({ vials_total: 4, vials_available: 4, ledger_total: 4, vials_in_bank: 4 });
  });

  test('every new record is append-only for the app role, and the audit chain holds over all of it', async () => {
    for (const table of [
      'bank_receipts',
      'intake_tests',
      'release_tests',
      'storage_operations',
      'vial_moves',
      'location_checks',
      'destructions',
      'bank_test_items',
    ]) {
      expect(await asApp(`UPDATE ${table} SET id = id`), table).toMatch(/permission denied/);
      expect(await asApp(`DELETE FROM ${table}`), table).toMatch(/permission denied/);
    }
    const actions = await t.pool.query(
      `SELECT DISTINCT action FROM audit_events WHERE action LIKE 'batch.%' OR action LIKE 'storage_%' OR action LIKE 'bank_%' ORDER BY action`,
    );
    expect(actions.rows.map((r) => r.action)).toEqual(
      expect.arrayContaining([
        'bank_deviation.assessed',
        'batch.intake_tested',
        'batch.received',
        'batch.release_tested',
        'batch.stored',
        'batch.vial_moved',
        'batch.vials_destroyed',
        'storage_box.created',
        'storage_box.location_checked',
        'storage_unit.created',
      ]),
    );
    expect(await verifyAuditChain(appDb)).toMatchObject({ ok: true });
  });
});
