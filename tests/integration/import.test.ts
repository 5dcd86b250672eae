import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { demoFiles } from '#seed/load-demo.ts';
import { verifyAuditChain } from '#server/platform/audit.ts';
import { formatProblem, importFile, importText } from '#server/catalog/import/import-file.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await useTestDatabase();
});
afterAll(async () => t?.close());

const realLines = demoFiles[0]!;
const count = async (table: string) =>
  (await t.pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;

/** Everything an import could touch, to prove a rejected file touched nothing. */
async function snapshot() {
  const tables = [
    'lines',
    'line_synonyms',
    'line_identifiers',
    'donors',
    'diseases',
    'batches',
    'qc_results',
    'audit_events',
    'search_outbox',
  ];
  return Object.fromEntries(await Promise.all(tables.map(async (name) => [name, await count(name)])));
}

describe('importing the real lines (canonical TSV)', () => {
  test('gives 477 lines, and importing again reports no change', async () => {
    const first = await importFile(t.pool, realLines);
    expect(first.problems, first.problems.map((p) => formatProblem(realLines, p)).join('\n')).toEqual([]);
    expect(first.counts).toMatchObject({ inserted: 477, updated: 0, unchanged: 0, rejected: 0 });
    expect(await count('lines')).toBe(477);

    const before = await snapshot();
    const second = await importFile(t.pool, realLines);
    expect(second.counts).toMatchObject({ inserted: 0, updated: 0, unchanged: 477 });
    expect(await snapshot(), 'a no-op re-import writes no audit, outbox or data rows').toEqual(before);
  });

  test('normalises messy real values into the right fields', async () => {
    const { rows } = await t.pool.query(
      `SELECT l.name, l.category, l.availability, l.feeder, l.reprogramming_method, d.sex, d.age_band, d.code,
              (SELECT array_agg(source || ':' || value ORDER BY source) FROM line_identifiers i WHERE i.line_id = l.id) AS ids
       FROM lines l JOIN donors d ON d.id = l.donor_id WHERE l.name = 'HPSI1113i-eofe_1'`,
    );
    expect(rows[0]).toMatchObject({
      category: 'ipsc',
      availability: 'available',
      feeder: 'feeder-dependent',
      sex: 'female',
      age_band: '45-49',
      code: 'eofe',
      ids: ['BioSamples:SAMEA2474456', 'ECACC:77650029', 'HipSci:HPSI1113i-eofe_1'],
    });
    const bbs = await t.pool.query(
      `SELECT d.name_en, d.name_zh, ld.note FROM line_diseases ld JOIN diseases d ON d.id = ld.disease_id JOIN lines l ON l.id = ld.line_id WHERE l.name = 'HPSI1013i-aetc_1'`,
    );
    expect(bbs.rows).toEqual([
      { name_en: 'Bardet-Biedl syndrome', name_zh: '巴尔得-别德尔综合征', note: 'c.1169T>G/p.Met390Arg missense' },
    ]);
    const allen = await t.pool.query(
      `SELECT type, gene, zygosity FROM genetic_modifications m JOIN lines l ON l.id = m.line_id WHERE l.name = 'AICS-0097'`,
    );
    expect(allen.rows).toEqual([{ type: 'knock-in', gene: 'MYH7', zygosity: 'heterozygous' }]);
  });

  test('a changed row updates the line, bumps its version, and records who, what, before and after', async () => {
    const text = `name\tcategory\tavailability\tsynonyms\nHPSI1113i-eofe_1\tipsc\trestricted\teofe_1\n`;
    const report = await importText(t.pool, 'edit.tsv', text, { actor: 'test:curator' });
    expect(report.counts).toMatchObject({ updated: 1, inserted: 0 });
    const { rows } = await t.pool.query(
      `SELECT id, availability, entry_version FROM lines WHERE name = 'HPSI1113i-eofe_1'`,
    );
    expect(rows[0]).toMatchObject({ availability: 'restricted', entry_version: 2 });
    const audit = await t.pool.query(
      `SELECT actor, action, before->>'availability' AS was, after->>'availability' AS now FROM audit_events WHERE entity_type = 'line' AND entity_id = $1 ORDER BY id DESC LIMIT 1`,
      [String(rows[0].id)],
    );
    expect(audit.rows[0]).toEqual({
      actor: 'test:curator',
      action: 'line.updated',
      was: 'available',
      now: 'restricted',
    });
    const outbox = await t.pool.query(
      `SELECT op FROM search_outbox WHERE entity_type = 'line' AND entity_id = $1 AND processed_at IS NULL`,
      [String(rows[0].id)],
    );
    expect(outbox.rows.length, 'the change is queued for search').toBeGreaterThan(0);
  });

  test('the audit chain written by bulk imports verifies, and tampering is refused', async () => {
    const report = await verifyAuditChain(t.db);
    expect(report).toMatchObject({ ok: true });
    expect(report.events).toBeGreaterThan(477);
    await expect(t.pool.query(`UPDATE audit_events SET actor = 'mallory' WHERE id = 1`)).rejects.toThrow(/append-only/);
    await expect(t.pool.query(`DELETE FROM audit_events WHERE id = 1`)).rejects.toThrow(/append-only/);
  });
});

describe('a file with bad rows', () => {
  const file = path.resolve('tests/fixtures/bad-lines.tsv');

  test('is rejected whole, with every problem listed by line, and the database is unchanged', async () => {
    const before = await snapshot();
    const report = await importFile(t.pool, file);
    const lines = report.problems.map((p) => formatProblem('bad-lines.tsv', p));
    expect(lines).toEqual([
      expect.stringMatching(/^bad-lines\.tsv:3: category: unknown category "neuron"/),
      expect.stringMatching(/^bad-lines\.tsv:4: derivation_date: "2015-02-30" is not a date/),
      expect.stringMatching(/^bad-lines\.tsv:5: name: is required/),
      expect.stringMatching(/^bad-lines\.tsv:6: name: duplicate: "GOODi001-A" is already on line 2/),
    ]);
    expect(report.counts.rejected).toBe(4);
    expect(await snapshot(), 'nothing from the file was written, not even its good row').toEqual(before);
    expect((await t.pool.query(`SELECT 1 FROM lines WHERE name = 'GOODi001-A'`)).rowCount).toBe(0);
  });

  test('the CLI prints FILE:LINE: field: message for each and exits 1; usage errors exit 2', () => {
    const env = { ...process.env, DATABASE_URL: t.url };
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/import.ts', file], { env, encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(`${file}:3: category: unknown category "neuron"`);
    expect(bad.stderr).toContain('nothing was imported');
    const usage = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/import.ts', file, '--format', 'xml'], {
      env,
      encoding: 'utf8',
    });
    expect(usage.status).toBe(2);
    const missing = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/import.ts'], { env, encoding: 'utf8' });
    expect(missing.status).toBe(2);
  });

  test('unknown columns, bad references and broken CSV quoting are reported by line too', async () => {
    const unknown = await importText(t.pool, 'x.csv', 'name,category,colour\nCOLi001-A,ipsc,red\n');
    expect(unknown.problems.map((p) => `${p.line}: ${p.field}: ${p.message}`)).toEqual([
      '1: colour: unknown column for a lines file (see docs/import-format.md)',
    ]);
    const unclosed = await importText(t.pool, 'x.csv', 'name,category\nOKi001-A,ipsc\n"UNCLOSEDi001-A,ipsc\n');
    expect(unclosed.problems.map((p) => `${p.line}: ${p.field}: ${p.message}`)).toEqual([
      '3: csv: unterminated quoted cell',
    ]);
    const batches = 'batch_number,line,type,grade,vials_total,vials_available\nB-1,NOSUCHLINE,master,research,5,9\n';
    const r2 = await importText(t.pool, 'b.csv', batches);
    expect(r2.problems.map((p) => `${p.line}: ${p.field}: ${p.message}`)).toEqual([
      expect.stringContaining('2: vials_total: available + reserved + shipped (9) exceeds the total (5)'),
    ]);
    const r3 = await importText(t.pool, 'b.csv', batches.replace(',9', ',2'));
    expect(r3.problems.map((p) => `${p.line}: ${p.field}`)).toEqual(['2: line']);
  });
});

describe('batches with QC results (JSON)', () => {
  test('import with their QC rows; a vial count that breaks the CHECK is impossible', async () => {
    const json = JSON.stringify(
      {
        batches: [
          {
            batch_number: 'TEST-MCB-001',
            line: 'HPSI1113i-eofe_1',
            type: 'master',
            grade: 'clinical',
            release_status: 'released',
            vials_total: 10,
            vials_available: 8,
            vials_shipped: 2,
            storage_location: 'T1/R1/B1/P1',
            qc: [
              {
                test: 'Mycoplasma',
                method: 'qPCR',
                specification: 'Not detected',
                result: 'Not detected',
                outcome: 'pass',
                tested_on: '2024-01-02',
              },
            ],
          },
        ],
      },
      null,
      2,
    );
    const report = await importText(t.pool, 'b.json', json);
    expect(report.problems).toEqual([]);
    expect(report.counts.inserted).toBe(1);
    const { rows } = await t.pool.query(
      `SELECT b.grade, q.test, q.outcome FROM batches b JOIN qc_results q ON q.batch_id = b.id WHERE b.number = 'TEST-MCB-001'`,
    );
    expect(rows).toEqual([{ grade: 'clinical', test: 'Mycoplasma', outcome: 'pass' }]);
    await expect(
      t.pool.query(`UPDATE batches SET vials_available = vials_available - 9 WHERE number = 'TEST-MCB-001'`),
    ).rejects.toThrow(/batches_vials_nonnegative/);
    await expect(t.pool.query(`UPDATE batches SET vials_reserved = 5 WHERE number = 'TEST-MCB-001'`)).rejects.toThrow(
      /batches_vials_within_total/,
    );
    expect((await importText(t.pool, 'b.json', json)).counts).toMatchObject({ unchanged: 1, inserted: 0, updated: 0 });
  });

  test('JSON problems name the line the entry starts on', async () => {
    const json =
      '{\n  "lines": [\n    { "name": "JSONi001-A", "category": "ipsc" },\n    {\n      "name": "JSONi002-A",\n      "category": "plant"\n    }\n  ]\n}\n';
    const report = await importText(t.pool, 'l.json', json);
    expect(report.problems.map((p) => `${p.line}: ${p.field}`)).toEqual(['4: category']);
  });
});

describe('the Cellosaurus parser', () => {
  test('keeps human stem cell entries and maps them into the right fields', async () => {
    const file = path.resolve('tests/fixtures/cellosaurus-sample.txt');
    const report = await importFile(t.pool, file, { format: 'cellosaurus' });
    expect(report.problems).toEqual([]);
    expect(report.skipped, 'HeLa (cancer) and E14Tg2a (mouse) are left out').toBe(2);
    expect(report.counts.inserted).toBe(6);
    expect(report.warnings).toEqual([
      expect.stringContaining('renamed: H9 -> H9 (CVCL_TEST3)'),
      expect.stringContaining('"Unknown parent line" is not in the catalog'),
    ]);

    const line = async (name: string) =>
      (
        await t.pool.query(
          `SELECT l.category, l.data_source, p.name AS parent, d.sex, d.age_band, d.ethnicity,
             (SELECT array_agg(s.synonym ORDER BY s.synonym) FROM line_synonyms s WHERE s.line_id = l.id) AS synonyms,
             (SELECT array_agg(i.source || ':' || i.value ORDER BY i.source) FROM line_identifiers i WHERE i.line_id = l.id) AS ids,
             (SELECT array_agg(x.name_en || ' ' || coalesce(x.ontology_id, '') ORDER BY x.name_en) FROM line_diseases ld JOIN diseases x ON x.id = ld.disease_id WHERE ld.line_id = l.id) AS diseases,
             (SELECT array_agg(reference ORDER BY reference) FROM publications pb WHERE pb.line_id = l.id) AS pubs
           FROM lines l LEFT JOIN donors d ON d.id = l.donor_id LEFT JOIN lines p ON p.id = l.parent_line_id WHERE l.name = $1`,
          [name],
        )
      ).rows[0];

    expect(await line('H9')).toMatchObject({
      category: 'hesc',
      sex: 'female',
      ethnicity: 'Caucasian',
      synonyms: ['H-9', 'H9 hESC', 'WA-09', 'WA09'],
      ids: ['BioSamples:SAMN04544149', 'Cellosaurus:CVCL_9773', 'WiCell:WA09', 'hPSCreg:WAe009-A'],
      pubs: ['PMID:9804556'],
      data_source: 'Cellosaurus CVCL_9773',
    });
    expect(await line('WTC-11')).toMatchObject({
      category: 'ipsc',
      sex: 'male',
      age_band: '30-34',
      ethnicity: 'Japanese',
    });
    expect((await line('TEST-WTC11-REPORTER')).parent, 'HI links to the parent line by name').toBe('WTC-11');
    expect(await line('TEST-PD-IPSC')).toMatchObject({
      parent: null,
      diseases: ['Hereditary late-onset Parkinson disease Orphanet:411602', 'Parkinson disease NCIt:C26845'],
      pubs: ['PMID:12345678', 'doi:10.1000/test.1'],
    });
  });
});

describe('npm run import against a database URL', () => {
  test('reports the summary and says when nothing changed', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'import-cli-'));
    const file = path.join(dir, 'one.csv');
    writeFileSync(file, 'name,category\nCLIi001-A,hiPSC\n');
    const env = { ...process.env, DATABASE_URL: t.url };
    const first = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/import.ts', file], {
      env,
      encoding: 'utf8',
    });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/1 inserted, 0 updated, 0 unchanged, 0 rejected/);
    const second = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/import.ts', file], {
      env,
      encoding: 'utf8',
    });
    expect(second.stdout).toMatch(/0 inserted, 0 updated, 1 unchanged/);
    expect(second.stdout).toContain('Nothing changed');
    const dry = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/import.ts', file.replace('one', 'two'), '--dry-run'],
      { env, encoding: 'utf8' },
    );
    expect(dry.status).toBe(2);
  });
});

describe('the audit chain under concurrent writers', () => {
  test('interleaved transactions still form one chain', async () => {
    const a = await t.pool.connect();
    const b = await t.pool.connect();
    try {
      await a.query('BEGIN');
      await b.query('BEGIN');
      // a takes an id first but b writes first: ids and chain order differ.
      const aId = a.query(`SELECT nextval('audit_events_id_seq')`);
      await aId;
      await b.query(
        `INSERT INTO audit_events (actor, action, entity_type, entity_id) VALUES ('b', 'test.b', 'test', '1')`,
      );
      const aInsert = a.query(
        `INSERT INTO audit_events (actor, action, entity_type, entity_id) VALUES ('a', 'test.a', 'test', '2')`,
      );
      await b.query('COMMIT');
      await aInsert;
      await a.query('COMMIT');
    } finally {
      a.release();
      b.release();
    }
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
  });
});

describe('donors shared by several lines', () => {
  test('each line adds what it knows; a later line does not blank out the donor', async () => {
    const text =
      'name\tcategory\tdonor_code\tsex\tethnicity\tage_band\nDONi001-A\tipsc\tD-SHARED\tmale\tHan Chinese\t\nDONi001-B\tipsc\tD-SHARED\tunknown\t\t60-64\n';
    expect((await importText(t.pool, 'donors.tsv', text)).problems).toEqual([]);
    const { rows } = await t.pool.query(`SELECT sex, ethnicity, age_band FROM donors WHERE code = 'D-SHARED'`);
    expect(rows).toEqual([{ sex: 'male', ethnicity: 'Han Chinese', age_band: '60-64' }]);
  });
});
