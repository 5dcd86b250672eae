/**
 * A malformed file is an error, never a partial import: every fixture below
 * holds one good record next to a broken one, and the good one must not land.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { formatProblem, importFile } from '#server/catalog/import/import-file.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await useTestDatabase();
});
afterAll(async () => t?.close());

const fixture = (name: string) => path.resolve('tests/fixtures/malformed', name);
const lineCount = async () => (await t.pool.query('SELECT count(*)::int AS n FROM lines')).rows[0].n as number;
const auditCount = async () => (await t.pool.query('SELECT count(*)::int AS n FROM audit_events')).rows[0].n as number;

describe('malformed files are rejected whole, naming FILE:LINE: field', () => {
  test.each([
    ['cellosaurus-no-ac.txt', [/^cellosaurus-no-ac\.txt:8: AC: missing$/]],
    ['cellosaurus-no-id.txt', [/^cellosaurus-no-id\.txt:8: ID: missing$/]],
    [
      'cellosaurus-bad-sex-age.txt',
      [
        /^cellosaurus-bad-sex-age\.txt:11: SX: "Woman-ish" is not a Cellosaurus sex \(Female, Male, Mixed sex, Sex ambiguous, Sex undetermined, Sex unspecified\)$/,
        /^cellosaurus-bad-sex-age\.txt:12: AG: "thirty-ish" is not a Cellosaurus age/,
      ],
    ],
    [
      'cellosaurus-truncated.txt',
      [/^cellosaurus-truncated\.txt:8: \/\/: the last record is not closed by "\/\/": the file looks truncated$/],
    ],
    ['cellosaurus-unknown-code.txt', [/^cellosaurus-unknown-code\.txt:11: ZZ: is not a Cellosaurus line code$/]],
    ['truncated.json', [/^truncated\.json:4: json: the file ends in the middle of a value: it looks truncated/]],
    ['extra-cells.csv', [/^extra-cells\.csv:3: row: has 4 cells but the header has 3 columns$/]],
    ['extra-cells.tsv', [/^extra-cells\.tsv:3: row: has 4 cells but the header has 3 columns$/]],
  ])('%s', async (name, expected) => {
    const [lines, audits] = [await lineCount(), await auditCount()];
    const report = await importFile(
      t.pool,
      fixture(name),
      name.startsWith('cellosaurus') ? { format: 'cellosaurus' } : {},
    );
    expect(report.problems.map((p) => formatProblem(name, p))).toEqual(expected.map((re) => expect.stringMatching(re)));
    expect(report.counts.rejected).toBeGreaterThan(0);
    expect(await lineCount(), 'not even the good record was written').toBe(lines);
    expect(await auditCount()).toBe(audits);
  });

  test('JSON entries with unknown fields or groups are errors, not silently dropped', async () => {
    const { importText } = await import('#server/catalog/import/import-file.ts');
    const report = await importText(
      t.pool,
      'x.json',
      '{\n  "line": [],\n  "lines": [\n    { "name": "TYPOi001-A", "category": "ipsc", "sexx": "male" }\n  ]\n}\n',
    );
    expect(report.problems.map((p) => formatProblem('x.json', p))).toEqual([
      'x.json:1: line: unknown group (expected "lines", "batches" or "qc")',
      'x.json:4: sexx: unknown field for lines (see docs/import-format.md)',
    ]);
  });

  test('the CLI exits 1 and imports nothing', () => {
    const file = fixture('cellosaurus-bad-sex-age.txt');
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/import.ts', file, '--format', 'cellosaurus'], {
      env: { ...process.env, DATABASE_URL: t.url },
      encoding: 'utf8',
    });
    expect(run.status, run.stdout + run.stderr).toBe(1);
    expect(run.stderr).toContain(`${file}:11: SX: "Woman-ish" is not a Cellosaurus sex`);
    expect(run.stderr).toContain('nothing was imported');
  });
});

describe('well-formed entries of another species or category', () => {
  test('are skipped and counted by reason; the CLI says why', async () => {
    const file = path.resolve('tests/fixtures/cellosaurus-sample.txt');
    const report = await importFile(t.pool, file, { format: 'cellosaurus', dryRun: true });
    expect(report.problems).toEqual([]);
    expect(report.skippedByReason).toEqual({ 'not human': 1, 'not a stem cell line': 1 });
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/import.ts', file, '--format', 'cellosaurus', '--dry-run'],
      { env: { ...process.env, DATABASE_URL: t.url }, encoding: 'utf8' },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('2 skipped (1 not a stem cell line, 1 not human)');
  });
});
