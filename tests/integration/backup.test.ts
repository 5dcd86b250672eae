/**
 * npm run backup / npm run restore, end to end through the CLI: the demo
 * catalog with its audit trail and stock ledger, an account, a stock
 * movement and an anchors file go out and come back identical, the audit
 * chain verifies, and a damaged backup or a non-empty database is refused.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createDatabase, createPool } from '#db/client.ts';
import { createSearchClient } from '#search/client.ts';
import { indexUid } from '#search/indexes/index.ts';
import { ensureSearchIndexes } from '#search/settings.ts';
import { loadDemoCatalog } from '#seed/load-demo.ts';
import { moveStock } from '#server/catalog/stock.ts';
import { recordAudit, verifyAuditChain } from '#server/platform/audit.ts';
import type { Manifest } from '#server/platform/backup.ts';
import { makeAccount } from '../support/accounts.ts';
import { useTestDatabase, uniqueIndexPrefix, type TestDatabase } from '../support/db.ts';
import { withDatabase } from '../support/global-setup.ts';

let source: TestDatabase;
let work: string;
const targets: string[] = [];
const admin = () => createPool(inject('databaseUrl'), { max: 1 });
const sourcePrefix = uniqueIndexPrefix();

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'portal-backup-'));
  source = await useTestDatabase();
  await loadDemoCatalog(source.pool);
  const account = await makeAccount(source.db, 'staff');
  const { rows } = await source.pool.query(`SELECT id FROM batches WHERE vials_available > 2 ORDER BY id LIMIT 1`);
  const moved = await source.db.transaction((tx) =>
    moveStock(tx, { batchId: rows[0].id, kind: 'reserved', quantity: 2, actor: account.id, reason: 'backup test' }),
  );
  expect(moved.ok).toBe(true);
  await ensureSearchIndexes(createSearchClient({ url: inject('meiliUrl'), apiKey: inject('meiliKey') }), sourcePrefix);
  writeFileSync(path.join(work, 'audit-anchors.jsonl'), '{"head":"abc","at":"2026-01-01T00:00:00Z"}\n');
}, 120_000);

afterAll(async () => {
  await source?.close();
  const pool = admin();
  for (const name of targets) await pool.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await pool.end();
  rmSync(work, { recursive: true, force: true });
});

async function newDatabase(): Promise<string> {
  const name = `r_${Math.random().toString(16).slice(2, 10)}`;
  const pool = admin();
  await pool.query(`CREATE DATABASE ${name}`);
  await pool.end();
  targets.push(name);
  return withDatabase(inject('databaseUrl'), name);
}

function cli(script: 'backup' | 'restore', dir: string, env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, dir], {
    env: { ...process.env, MEILI_URL: inject('meiliUrl'), MEILI_MASTER_KEY: inject('meiliKey'), ...env },
    encoding: 'utf8',
  });
}

const tablesOf = async (pool: ReturnType<typeof createPool>) =>
  (
    await pool.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)
  ).rows.map((r) => r.name);
const countsOf = async (pool: ReturnType<typeof createPool>) =>
  Object.fromEntries(
    await Promise.all(
      (await tablesOf(pool)).map(async (t) => [
        t,
        (await pool.query(`SELECT count(*)::int AS n FROM "${t}"`)).rows[0].n,
      ]),
    ),
  );

describe('backup and restore', () => {
  const backupDir = () => path.join(work, 'backup');

  test('backup writes every table (found in the catalog) with row counts and SHA-256 in a manifest', async () => {
    const run = cli('backup', backupDir(), {
      DATABASE_URL: source.url,
      DATA_DIR: work,
      MEILI_INDEX_PREFIX: sourcePrefix,
    });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(backupDir(), 'manifest.json'), 'utf8')) as Manifest;
    const counts = await countsOf(source.pool);
    expect(manifest.tables.map((t) => t.name)).toEqual(Object.keys(counts));
    expect(Object.fromEntries(manifest.tables.map((t) => [t.name, t.rows]))).toEqual(counts);
    expect(counts.audit_events).toBeGreaterThan(500);
    expect(counts.stock_movements).toBeGreaterThan(10);
    for (const t of manifest.tables) expect(t.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.files.map((f) => f.file)).toEqual(['search-settings.json', 'anchors/audit-anchors.jsonl']);
    const settings = JSON.parse(readFileSync(path.join(backupDir(), 'search-settings.json'), 'utf8'));
    expect(Object.keys(settings)).toContain(indexUid(sourcePrefix, 'lines'));
    expect(manifest.sequences.find((s) => s.name === 'audit_events_id_seq')?.value).toBeTruthy();
  }, 60_000);

  test('restore into a new database gives the same rows, sequences and audit chain, anchors and a search index', async () => {
    const url = await newDatabase();
    const dataDir = path.join(work, 'restored-data');
    const prefix = uniqueIndexPrefix();
    const run = cli('restore', backupDir(), { DATABASE_URL: url, DATA_DIR: dataDir, MEILI_INDEX_PREFIX: prefix });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const target = createPool(url, { max: 2 });
    try {
      expect(await countsOf(target)).toEqual(await countsOf(source.pool));
      // A sample of rows, byte for byte: audit events with their hashes, the ledger, batches, accounts.
      for (const sql of [
        'SELECT * FROM audit_events ORDER BY id',
        'SELECT * FROM stock_movements ORDER BY id',
        'SELECT * FROM batches ORDER BY id LIMIT 50',
        'SELECT * FROM lines ORDER BY id DESC LIMIT 50',
        'SELECT * FROM accounts ORDER BY id',
        'SELECT * FROM audit_chain_head',
      ]) {
        expect((await target.query(sql)).rows, sql).toEqual((await source.pool.query(sql)).rows);
      }
      const seq = `SELECT last_value FROM audit_events_id_seq`;
      expect((await target.query(seq)).rows).toEqual((await source.pool.query(seq)).rows);
      const chain = await verifyAuditChain(createDatabase(target));
      expect(chain).toMatchObject({ ok: true, events: (await countsOf(source.pool)).audit_events });
      // The restored chain goes on: a new event links to the restored head.
      await createDatabase(target).transaction((tx) =>
        recordAudit(tx, { actor: 'test', action: 'line.updated', entityType: 'line', entityId: '1' }),
      );
      expect(await verifyAuditChain(createDatabase(target))).toMatchObject({ ok: true });
      expect(readFileSync(path.join(dataDir, 'audit-anchors.jsonl'), 'utf8')).toContain('"head":"abc"');
      const meili = createSearchClient({ url: inject('meiliUrl'), apiKey: inject('meiliKey') });
      const published = (await target.query(`SELECT count(*)::int AS n FROM lines WHERE status = 'published'`)).rows[0]
        .n;
      expect((await meili.index(indexUid(prefix, 'lines')).getStats()).numberOfDocuments).toBe(published);
    } finally {
      await target.end();
    }

    const again = cli('restore', backupDir(), { DATABASE_URL: url, DATA_DIR: dataDir, MEILI_INDEX_PREFIX: prefix });
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('the database is not empty');
  }, 120_000);

  test('a backup that does not match its manifest is refused before anything is written', async () => {
    const damaged = path.join(work, 'damaged');
    cpSync(backupDir(), damaged, { recursive: true });
    appendFileSync(path.join(damaged, 'tables', 'audit_events.copy'), '999\tmallory\n');
    const url = await newDatabase();
    const run = cli('restore', damaged, {
      DATABASE_URL: url,
      DATA_DIR: path.join(work, 'd2'),
      MEILI_INDEX_PREFIX: uniqueIndexPrefix(),
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /does not match its manifest:\n\s+tables\/audit_events\.copy: \d+ bytes, the manifest says \d+/,
    );
    const target = createPool(url, { max: 1 });
    expect(await tablesOf(target), 'nothing was written').toEqual([]);
    await target.end();
    expect(existsSync(path.join(work, 'd2', 'audit-anchors.jsonl'))).toBe(false);
  }, 60_000);

  test('a restore that fails after migrating leaves the database empty again, so the next attempt can go ahead', async () => {
    const odd = path.join(work, 'odd-columns');
    cpSync(backupDir(), odd, { recursive: true });
    const manifestFile = path.join(odd, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
    manifest.tables.find((t) => t.name === 'lines')!.columns.push('colour');
    writeFileSync(manifestFile, JSON.stringify(manifest));
    const url = await newDatabase();
    const env = { DATABASE_URL: url, DATA_DIR: path.join(work, 'd3'), MEILI_INDEX_PREFIX: uniqueIndexPrefix() };
    const failed = cli('restore', odd, env);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain('table lines: columns colour of the backup do not exist');
    const target = createPool(url, { max: 1 });
    expect(await tablesOf(target)).toEqual([]);
    expect(
      (
        await target.query(
          `SELECT count(*)::int AS n FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'`,
        )
      ).rows[0].n,
    ).toBe(0);
    await target.end();
    const run = cli('restore', backupDir(), env);
    expect(run.status, run.stderr).toBe(0);
  }, 120_000);
});
