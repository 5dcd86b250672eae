/**
 * The audit trail against its own database's superuser: `npm run audit:verify`
 * names an edited row, and reports a chain re-hashed after an edit, a cut-off
 * tail and a forged anchor line against the anchors written outside the
 * database (src/lib/server/platform/audit-anchor.ts). The attacks run as the
 * bootstrap superuser with session_replication_role = replica, which switches
 * the append-only triggers off.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, inject, test } from 'vitest';
import { createDatabase, createPool } from '#db/client.ts';
import { recordAudit, verifyAuditChain } from '#server/platform/audit.ts';
import { makeAccount } from '../support/accounts.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';
import { startPortalServer } from '../support/server.ts';

let t: TestDatabase;
let dataDir: string;
const dirs: string[] = [];

beforeEach(async () => {
  t = await useTestDatabase();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-anchors-'));
  dirs.push(dataDir);
});
afterEach(async () => {
  await t?.close();
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const anchorFile = () => path.join(dataDir, 'audit-anchors.log');

function cli(script: 'audit-anchor' | 'audit-verify') {
  const env = {
    ...process.env,
    DATABASE_URL: t.appUrl,
    DATABASE_OWNER_URL: t.ownerUrl,
    DATA_DIR: dataDir,
    NO_COLOR: '1',
  };
  const r = spawnSync(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`], { env, encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Audit events written as the web server writes them: through the app role. */
async function writeEvents(n: number): Promise<string> {
  const app = createPool(t.appUrl, { max: 1 });
  const db = createDatabase(app);
  const account = await makeAccount(db, 'requester');
  for (let i = 0; i < n; i++) {
    await db.transaction((tx) =>
      recordAudit(tx, {
        actor: account.id,
        action: 'account.profile_updated',
        entityType: 'account',
        entityId: account.id,
        after: { displayName: `name ${i}` },
      }),
    );
  }
  await app.end();
  return account.id;
}

async function eventIds(): Promise<number[]> {
  return (await t.pool.query('SELECT id FROM audit_events ORDER BY id')).rows.map((r) => Number(r.id));
}

/** As the superuser, with the triggers off, run `work`, then move the head to the last event by id. */
// biome-ignore lint/suspicious/noExplicitAny: rows of any table the test tampers with
async function tamper(work: (q: (text: string, values?: unknown[]) => Promise<{ rows: any[] }>) => Promise<void>) {
  const client = await t.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    await work((text, values) => client.query(text, values));
    await client.query('UPDATE audit_chain_head SET hash = (SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1)');
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}

describe('npm run audit:verify', () => {
  test('an intact trail with anchors passes; the anchor file and its key are 0600 under DATA_DIR', async () => {
    await writeEvents(5);
    expect(cli('audit-anchor')).toMatchObject({ code: 0 });
    await writeEvents(3);
    expect(cli('audit-anchor').code).toBe(0);
    const verify = cli('audit-verify');
    expect(verify.out).toMatch(/audit trail intact: \d+ events, every hash and link verified, 2 of 2 anchors hold/);
    expect(verify.code).toBe(0);
    expect(statSync(anchorFile()).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dataDir, 'audit-anchor-key')).mode & 0o777).toBe(0o600);
  });

  test('an edited row is named', async () => {
    await writeEvents(6);
    expect(cli('audit-anchor').code).toBe(0);
    const ids = await eventIds();
    const victim = ids[3]!;
    await tamper(async (q) => {
      await q(`UPDATE audit_events SET reason = 'nothing happened here' WHERE id = $1`, [victim]);
    });
    const verify = cli('audit-verify');
    expect(verify.code).toBe(1);
    expect(verify.out).toContain(`audit trail broken at event ${victim}: content does not match its hash`);
  });

  test('a chain re-hashed after an edit passes the chain check but is reported against the first anchor it contradicts', async () => {
    await writeEvents(4);
    expect(cli('audit-anchor').code).toBe(0); // line 1: before the edited event
    await writeEvents(4);
    expect(cli('audit-anchor').code).toBe(0); // line 2: after it
    await writeEvents(2);
    expect(cli('audit-anchor').code).toBe(0); // line 3
    const ids = await eventIds();
    const victim = ids[7]!; // written between anchors 1 and 2
    await tamper(async (q) => {
      await q(`UPDATE audit_events SET after = '{"displayName":"someone else"}' WHERE id = $1`, [victim]);
      let prev: string | null = (await q('SELECT prev_hash FROM audit_events WHERE id = $1', [victim])).rows[0]
        .prev_hash;
      for (const id of ids.filter((i) => i >= victim)) {
        prev = (
          await q(
            'UPDATE audit_events e SET prev_hash = $1, hash = audit_event_digest($1, e) WHERE id = $2 RETURNING hash',
            [prev, id],
          )
        ).rows[0].hash;
      }
    });
    expect(await verifyAuditChain(t.db), 'consistent in itself: the chain alone cannot tell').toMatchObject({
      ok: true,
    });

    const verify = cli('audit-verify');
    expect(verify.code).toBe(1);
    expect(verify.out).toMatch(/first anchor contradicted: the chain contradicts the anchor of line 2 \(/);
    expect(verify.out).toContain('re-hashed');
    expect(verify.out, 'the last anchor that still holds brackets the edit').toContain(
      'agrees with the anchor of line 1',
    );
    expect(verify.out).toContain('anchor of line 3');
  });

  test('a truncated tail is reported against the anchor that recorded it', async () => {
    await writeEvents(5);
    expect(cli('audit-anchor').code).toBe(0);
    const ids = await eventIds();
    await tamper(async (q) => {
      await q('DELETE FROM audit_events WHERE id >= $1', [ids[ids.length - 2]]);
    });
    expect(await verifyAuditChain(t.db), 'consistent in itself').toMatchObject({ ok: true });
    const verify = cli('audit-verify');
    expect(verify.code).toBe(1);
    expect(verify.out).toMatch(
      new RegExp(
        `first anchor contradicted: the chain has ${ids.length - 2} events, but the anchor of line 1 \\(.*\\) recorded ${ids.length}, ending with event ${ids.at(-1)}`,
      ),
    );
  });

  test('a forged anchor line fails its signature', async () => {
    await writeEvents(2);
    expect(cli('audit-anchor').code).toBe(0);
    const [line] = readFileSync(anchorFile(), 'utf8').trim().split('\n');
    const forged = { ...JSON.parse(line!), events: 1 };
    appendFileSync(anchorFile(), `${JSON.stringify(forged)}\n`);
    const verify = cli('audit-verify');
    expect(verify.code).toBe(1);
    expect(verify.out).toMatch(/anchor line 2 \(.*\) is forged or damaged: its signature does not match/);
  });
});

describe('the server', () => {
  test('writes anchors on its schedule, with the key and file it is given', async () => {
    const file = path.join(dataDir, 'elsewhere', 'anchors.log');
    const key = 'k'.repeat(40);
    await writeEvents(3);
    const server = await startPortalServer({
      DATABASE_URL: t.appUrl,
      MEILI_URL: inject('meiliUrl'),
      MEILI_MASTER_KEY: inject('meiliKey'),
      DATA_DIR: dataDir,
      AUDIT_ANCHOR_FILE: file,
      AUDIT_ANCHOR_KEY: key,
      AUDIT_ANCHOR_INTERVAL: '1',
    });
    try {
      await fetch(`${server.url}/api/health`); // the first request starts the workers
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && !(existsSync(file) && readFileSync(file, 'utf8').trim()))
        await new Promise((r) => setTimeout(r, 100));
      expect(existsSync(file), server.output()).toBe(true);
      await writeEvents(2);
      while (Date.now() < deadline && readFileSync(file, 'utf8').trim().split('\n').length < 2)
        await new Promise((r) => setTimeout(r, 100));
    } finally {
      await server.stop();
    }
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const env = {
      ...process.env,
      DATABASE_URL: t.appUrl,
      DATABASE_OWNER_URL: t.ownerUrl,
      DATA_DIR: dataDir,
      AUDIT_ANCHOR_FILE: file,
      AUDIT_ANCHOR_KEY: key,
      NO_COLOR: '1',
    };
    const verify = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/audit-verify.ts'], {
      env,
      encoding: 'utf8',
    });
    expect(verify.stdout + verify.stderr).toContain(`${lines.length} of ${lines.length} anchors hold`);
    expect(existsSync(path.join(dataDir, 'audit-anchor-key')), 'the configured key is used, none generated').toBe(
      false,
    );
  });
});
