/**
 * The two database roles (db/roles.ts): the app role the web server connects
 * as may append to the ledgers and read them, and nothing more: no UPDATE,
 * DELETE, TRUNCATE, no trigger control, no replication role. Its refusals
 * come from privileges ("permission denied", "must be owner"), not only
 * from the append-only triggers a table owner could switch off.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createDatabase, createPool, type Database } from '#db/client.ts';
import { runMigrations } from '#db/migrate.ts';
import { appendOnlyTables, neverDeletedTables, EMBEDDED_APP, EMBEDDED_OWNER, transferOwnership } from '#db/roles.ts';
import { moveStock } from '#server/catalog/stock.ts';
import { importText } from '#server/catalog/import/import-file.ts';
import { recordAudit, verifyAuditChain } from '#server/platform/audit.ts';
import { makeAccount } from '../support/accounts.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';
import { withDatabase } from '../support/global-setup.ts';

let t: TestDatabase;
let app: ReturnType<typeof createPool>;
let appDb: Database;
let owner: ReturnType<typeof createPool>;
beforeAll(async () => {
  t = await useTestDatabase();
  app = createPool(t.appUrl, { max: 2 });
  appDb = createDatabase(app);
  owner = createPool(t.ownerUrl, { max: 2 });
  const r = await importText(t.pool, 'lines.csv', 'name,category\nROLE-LINE-1,iPSC\n');
  expect(r.problems).toEqual([]);
  const b = await importText(
    t.pool,
    'batches.csv',
    'batch_number,line,type,grade,release_status,vials_total,vials_available,vials_reserved,vials_shipped\nRB-001,ROLE-LINE-1,distribution,research,released,10,10,0,0\n',
  );
  expect(b.problems).toEqual([]);
});
afterAll(async () => {
  await app?.end();
  await owner?.end();
  await t?.close();
});

/** Runs one statement as the app role in its own transaction; the error message, or 'ok'. */
async function asApp(statement: string): Promise<string> {
  const client = await app.connect();
  try {
    await client.query('BEGIN');
    await client.query(statement);
    await client.query('ROLLBACK');
    return 'ok';
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    return (error as Error).message;
  } finally {
    client.release();
  }
}

describe('the app role', () => {
  test('is neither a superuser nor the owner of any table', async () => {
    const { rows } = await app.query(
      `SELECT rolsuper, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = current_user`,
    );
    expect(rows[0]).toEqual({ rolsuper: false, rolcreaterole: false, rolbypassrls: false });
    const owned = await app.query(
      `SELECT count(*)::int AS n FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)`,
    );
    expect(owned.rows[0].n).toBe(0);
  });

  test('appends to the audit trail and the stock ledger, and reads them', async () => {
    const account = await makeAccount(t.db, 'requester');
    await appDb.transaction((tx) =>
      recordAudit(tx, {
        actor: 'test',
        action: 'account.profile_updated',
        entityType: 'account',
        entityId: account.id,
      }),
    );
    const { rows } = await app.query(`SELECT id FROM batches WHERE number = 'RB-001'`);
    const moved = await appDb.transaction((tx) =>
      moveStock(tx, { batchId: rows[0].id, kind: 'reserved', quantity: 2, actor: 'test', reason: 'role test' }),
    );
    expect(moved.ok).toBe(true);
    expect(await verifyAuditChain(appDb)).toMatchObject({ ok: true });
  });

  test.each(appendOnlyTables)('cannot UPDATE, DELETE or TRUNCATE %s, nor switch its triggers off', async (table) => {
    expect(await asApp(`UPDATE ${table} SET id = id`)).toMatch(/permission denied/);
    expect(await asApp(`DELETE FROM ${table}`)).toMatch(/permission denied/);
    expect(await asApp(`TRUNCATE ${table}`)).toMatch(/permission denied/);
    expect(await asApp(`ALTER TABLE ${table} DISABLE TRIGGER ALL`)).toMatch(/must be owner/);
    expect(await asApp(`ALTER TABLE ${table} DISABLE TRIGGER USER`)).toMatch(/must be owner/);
    expect(await asApp(`DROP TABLE ${table}`)).toMatch(/must be owner/);
  });

  test.each(neverDeletedTables)('cannot DELETE or TRUNCATE %s (rows of the request chain last)', async (table) => {
    expect(await asApp(`DELETE FROM ${table}`)).toMatch(/permission denied/);
    expect(await asApp(`TRUNCATE ${table}`)).toMatch(/permission denied/);
    expect(await asApp(`ALTER TABLE ${table} DISABLE TRIGGER ALL`)).toMatch(/must be owner/);
  });

  test('cannot move the chain head, nor replay rows past the triggers', async () => {
    expect(await asApp(`UPDATE audit_chain_head SET hash = 'forged'`)).toMatch(/permission denied/);
    expect(await asApp(`SET session_replication_role = replica`)).toMatch(/permission denied/);
    expect(await asApp(`ALTER FUNCTION audit_events_chain() SECURITY INVOKER`)).toMatch(/must be owner/);
    expect(await asApp(`CREATE TABLE audit_events_copy (id int)`)).toMatch(/permission denied/);
  });

  test('cannot fork the audit chain by naming an older event as the tail (the setting the triggers once trusted)', async () => {
    const account = await makeAccount(t.db, 'requester');
    for (let i = 0; i < 3; i++)
      await appDb.transaction((tx) =>
        recordAudit(tx, {
          actor: 'test',
          action: 'account.profile_updated',
          entityType: 'account',
          entityId: account.id,
        }),
      );
    const older = await app.query<{ hash: string }>(`SELECT hash FROM audit_events ORDER BY id DESC OFFSET 2 LIMIT 1`);
    const head = await app.query<{ hash: string }>(`SELECT hash FROM audit_chain_head`);
    await appDb.transaction(async (tx) => {
      await tx.execute(sql`SELECT set_config('audit.chain_tail', ${older.rows[0]!.hash}, true)`);
      await recordAudit(tx, {
        actor: 'test',
        action: 'account.profile_updated',
        entityType: 'account',
        entityId: account.id,
      });
    });
    const last = await app.query<{ prev_hash: string }>(`SELECT prev_hash FROM audit_events ORDER BY id DESC LIMIT 1`);
    expect(last.rows[0]!.prev_hash, 'the new event follows the real head').toBe(head.rows[0]!.hash);
    expect(await verifyAuditChain(appDb)).toMatchObject({ ok: true });
  });

  test('a temporary table named like a real one cannot stand in for it in a trigger: a stock movement still moves the counters', async () => {
    const { rows } = await app.query<{ id: number; vials_available: number }>(
      `SELECT id, vials_available FROM batches WHERE number = 'RB-001'`,
    );
    const client = await app.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        'CREATE TEMP TABLE batches (id int, vials_total int, vials_available int, vials_reserved int, vials_shipped int, updated_at timestamptz) ON COMMIT DROP',
      );
      await client.query(
        `INSERT INTO stock_movements (batch_id, kind, quantity, actor, reason) VALUES ($1, 'reserved', 1, 'test', 'temporary table')`,
        [rows[0]!.id],
      );
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const after = await app.query<{ vials_available: number }>(`SELECT vials_available FROM batches WHERE id = $1`, [
      rows[0]!.id,
    ]);
    expect(after.rows[0]!.vials_available).toBe(rows[0]!.vials_available - 1);
  });

  test('every trigger function and SECURITY DEFINER function has search_path = pg_catalog, public (temporary schema last)', async () => {
    const { rows } = await owner.query<{ name: string; config: string[] | null }>(
      `SELECT p.oid::regprocedure::text AS name, p.proconfig AS config FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = 'public' AND (p.prorettype = 'trigger'::regtype OR p.prosecdef)`,
    );
    expect(rows.length).toBeGreaterThan(5);
    for (const row of rows) expect(row.config ?? [], row.name).toContain('search_path=pg_catalog, public, pg_temp');
  });

  test('keeps ordinary DML on ordinary tables', async () => {
    const account = await makeAccount(t.db, 'requester');
    expect(await asApp(`UPDATE accounts SET display_name = 'Renamed' WHERE id = '${account.id}'`)).toBe('ok');
    expect(await asApp(`DELETE FROM sessions WHERE account_id = '${account.id}'`)).toBe('ok');
  });

  test('gets DML on a table the owner creates later, and loses it again on a ledger after each migration run', async () => {
    await owner.query('CREATE TABLE later_feature (id serial PRIMARY KEY, note text)');
    expect(await asApp(`INSERT INTO later_feature (note) VALUES ('x')`), 'default privileges').toBe('ok');
    // A grant that drifted in by hand is taken back by the next migration run.
    await owner.query(`GRANT UPDATE, DELETE ON audit_events TO ${EMBEDDED_APP}`);
    expect(await asApp(`DELETE FROM audit_events WHERE false`)).toBe('ok');
    await runMigrations(owner, { appRole: EMBEDDED_APP });
    expect(await asApp(`DELETE FROM audit_events WHERE false`)).toMatch(/permission denied/);
  });
});

describe('a database from before the two roles', () => {
  test('is handed to the owner, migrates as it, and the app role works on it', async () => {
    const name = `legacy_${Date.now()}`;
    const admin = createPool(inject('databaseUrl'), { max: 1 });
    await admin.query(`CREATE DATABASE ${name}`);
    try {
      // As an older portal did: everything migrated and owned by the bootstrap superuser.
      const legacy = createPool(withDatabase(inject('databaseUrl'), name), { max: 2 });
      await runMigrations(legacy);
      const client = await legacy.connect();
      await transferOwnership(client, name, EMBEDDED_OWNER);
      client.release();
      const { rows } = await legacy.query(
        `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname IN ('public', 'drizzle') AND pg_get_userbyid(c.relowner) <> $1`,
        [EMBEDDED_OWNER],
      );
      expect(rows[0].n, 'objects left with another owner').toBe(0);
      await legacy.end();

      const ownerPool = createPool(withDatabase(inject('ownerUrl'), name), { max: 2 });
      await runMigrations(ownerPool, { appRole: EMBEDDED_APP });
      await ownerPool.end();
      const appPool = createPool(withDatabase(inject('appUrl'), name), { max: 1 });
      try {
        const account = await makeAccount(createDatabase(appPool), 'requester');
        expect(account.id).toBeTruthy();
        await expect(appPool.query('DELETE FROM audit_events')).rejects.toThrow(/permission denied/);
      } finally {
        await appPool.end();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
