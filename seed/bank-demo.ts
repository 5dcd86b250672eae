/**
 * Demo records of the bank (issue 18), so a newcomer sees batches received,
 * tested, stored and released through signed records alongside the imported
 * ones: one tank with two boxes, three batches of demo lines received (one
 * with a logger file whose excursion became a deviation, assessed), stored
 * in a box, intake-tested, and two of them released (CoA from the release),
 * the third still in quarantine. Everything goes through the services, as
 * two demo staff accounts whose passwords are random and thrown away: they
 * sign here and can never sign in. Runs once (when no receipt exists).
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Database } from '#db/client.ts';
import { createAccount } from '#server/accounts/accounts.ts';
import type { Caller, Result } from '#server/requests/core.ts';
import { receiveBatch } from '#server/bank/receipts.ts';
import { createStorageBox, createStorageUnit, storeBatchInBox } from '#server/bank/storage.ts';
import { recordIntakeTest, recordReleaseTest, type TestItem } from '#server/bank/testing.ts';
import { assessDeviation } from '#server/bank/deviations.ts';

function must<T>(what: string, r: Result<T>): T {
  if (!r.ok) throw new Error(`bank demo: ${what}: ${JSON.stringify(r.failure)}`);
  return r.value;
}

const panel: TestItem[] = [
  {
    item: 'Sterility (bacteria, fungi)',
    method: 'Ph. Eur. 2.6.1',
    specification: 'No growth',
    result: 'No growth',
    withinSpec: true,
  },
  { item: 'Mycoplasma', method: 'qPCR', specification: 'Not detected', result: 'Not detected', withinSpec: true },
  { item: 'Post-thaw viability', method: 'Trypan blue', specification: '>= 70%', result: '86%', withinSpec: true },
  {
    item: 'Identity (STR)',
    method: '16-locus STR',
    specification: 'Matches the parental line',
    result: 'Match',
    withinSpec: true,
  },
];

const logger = (day: string, peak: number) =>
  [
    '# logger_serial: DL-DEMO-01',
    '# interval_s: 900',
    'timestamp,temperature_c',
    `${day}T06:00:00Z,-188.0`,
    `${day}T06:15:00Z,-186.5`,
    `${day}T06:30:00Z,${peak}`,
    `${day}T06:45:00Z,-185.0`,
    `${day}T07:00:00Z,-189.0`,
  ].join('\n');

export async function loadDemoBankRecords(db: Database, log: (line: string) => void = () => {}): Promise<void> {
  const done = await db.execute(sql`SELECT 1 FROM bank_receipts LIMIT 1`);
  if (done.rows.length) return;
  const lines = await db.execute<{ name: string; category: string }>(
    sql`SELECT name, category FROM lines WHERE demo AND status = 'published' ORDER BY name LIMIT 3`,
  );
  if (lines.rows.length < 3) return;
  const password = randomBytes(24).toString('hex');
  const suffix = randomBytes(4).toString('hex');
  const [op, reviewer] = await db.transaction(async (tx) => [
    await createAccount(
      tx,
      {
        email: `bank-operator-${suffix}@demo.invalid`,
        password,
        displayName: 'Demo operator (王操作)',
        role: 'staff',
        status: 'active',
      },
      'seed:demo',
    ),
    await createAccount(
      tx,
      {
        email: `bank-reviewer-${suffix}@demo.invalid`,
        password,
        displayName: 'Demo reviewer (李审核)',
        role: 'staff',
        status: 'active',
      },
      'seed:demo',
    ),
  ]);
  if (!op || !reviewer) throw new Error('bank demo: the demo staff accounts were not created');
  const operator: Caller = { id: op.id, name: op.displayName, role: 'staff' };
  const cosign = { password, reviewerEmail: reviewer.email, reviewerPassword: password };
  const unit = must(
    'unit',
    await createStorageUnit(db, operator, { code: 'LN2-DEMO-01', kind: 'tank', name: 'Demo liquid nitrogen tank 1' }),
  );
  const boxA = must(
    'box',
    await createStorageBox(db, operator, { unitId: unit.id, rack: 'R1', code: 'B1', rows: 9, cols: 9 }),
  );
  must('box', await createStorageBox(db, operator, { unitId: unit.id, rack: 'R1', code: 'B2', rows: 10, cols: 10 }));
  const specs = [
    { line: lines.rows[0]!, number: 'BANK-DEMO-001', day: '2026-09-14', vials: 12, release: true, peak: -187 },
    { line: lines.rows[1]!, number: 'BANK-DEMO-002', day: '2026-10-05', vials: 10, release: true, peak: -142.5 },
    { line: lines.rows[2]!, number: 'BANK-DEMO-003', day: '2026-11-16', vials: 8, release: false, peak: -186 },
  ];
  for (const s of specs) {
    const at = (time: string) => new Date(`${s.day}T${time}:00Z`);
    const received = must(
      `receipt ${s.number}`,
      await receiveBatch(db, operator, {
        ...cosign,
        line: s.line.name,
        batchNumber: s.number,
        batchType: 'distribution',
        grade: 'research',
        passage: 22,
        productionDate: '2026-08-20',
        cellType: s.line.category === 'msc' ? 'MSC' : s.line.category === 'hesc' ? 'hESC' : 'iPSC',
        handoverAt: at('08:00'),
        handoverPlace: 'Bank receiving room 2',
        dispatchedAt: at('05:45'),
        arrivedAt: at('07:30'),
        requiredMinC: -196,
        requiredMaxC: -150,
        loggerFile: { name: `${s.number}-logger.csv`, text: logger(s.day, s.peak) },
        vials: s.vials,
        cells: s.vials * 1_000_000,
        courier: 'Demo cold-chain courier',
        demo: true,
      }),
    );
    const deviations = await db.execute<{ id: number }>(
      sql`SELECT id FROM bank_deviations WHERE batch_id = ${received.batchId} AND closed_at IS NULL`,
    );
    for (const d of deviations.rows) {
      must(
        'assessment',
        await assessDeviation(db, operator, {
          deviationId: Number(d.id),
          assessment:
            'Excursion of 15 minutes above -150 °C in the dry shipper; vials stayed frozen, post-thaw viability checked at intake. No impact.',
          password,
        }),
      );
    }
    must(
      `storage ${s.number}`,
      await storeBatchInBox(db, operator, {
        ...cosign,
        batchId: received.batchId,
        boxId: boxA.id,
        envTempC: 21,
        startedAt: at('08:30'),
        endedAt: at('08:50'),
      }),
    );
    must(
      `intake ${s.number}`,
      await recordIntakeTest(db, operator, {
        ...cosign,
        batchId: received.batchId,
        cellType: 'iPSC',
        handoverAt: at('09:00'),
        handoverPerson: 'Demo QC handover',
        cellCount: s.vials * 1_000_000,
        testedCount: 1_000_000,
        basis: 'SOP-QC-001 v3',
        testedOn: s.day,
        conclusion: 'pass',
        items: panel,
      }),
    );
    if (s.release) {
      must(
        `release ${s.number}`,
        await recordReleaseTest(db, operator, {
          ...cosign,
          batchId: received.batchId,
          cellType: 'iPSC',
          releaseQuantity: s.vials,
          basis: 'SOP-QC-002 v2',
          testedAt: at('16:00'),
          conclusion: 'pass',
          items: panel,
        }),
      );
    }
  }
  log(
    `bank demo: ${specs.length} batches received, tested and stored (${specs.filter((s) => s.release).length} released) in LN2-DEMO-01`,
  );
}
