import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmbeddedMeilisearch, type EmbeddedMeiliHandle } from '#scripts/lib/embedded-meilisearch.ts';
import { startPortalServer, type RunningServer } from '../support/server.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';

// This file owns its Meilisearch, so it can stop and restart it under a running portal.
let dataDir: string;
let meili: EmbeddedMeiliHandle;
let database: TestDatabase;
let server: RunningServer;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-health-'));
  meili = await startEmbeddedMeilisearch({ dataDir });
  database = await useTestDatabase();
  server = await startPortalServer({
    DATABASE_URL: database.appUrl,
    MEILI_URL: meili.url,
    MEILI_MASTER_KEY: meili.masterKey,
    DATA_DIR: dataDir,
  });
});

afterAll(async () => {
  await server?.stop();
  await meili?.stop();
  await database?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function health() {
  const res = await fetch(`${server.url}/api/health`);
  return { status: res.status, body: await res.json() };
}

describe('GET /api/health', () => {
  test('answers 200 ok while PostgreSQL and Meilisearch answer', async () => {
    const { status, body } = await health();
    expect(status, server.output()).toBe(200);
    expect(body).toMatchObject({ status: 'ok', db: 'ok', search: 'ok' });
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  test('turns 503 naming search when Meilisearch stops, and 200 again when it returns', async () => {
    await meili.stop();
    const down = await health();
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: 'degraded', db: 'ok', search: 'down' });

    meili = await startEmbeddedMeilisearch({ dataDir, port: meili.port });
    const up = await health();
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ status: 'ok', search: 'ok' });
  });

  test('turns 503 naming db when PostgreSQL cannot be reached', async () => {
    const broken = await startPortalServer({
      DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/none',
      MEILI_URL: meili.url,
      MEILI_MASTER_KEY: meili.masterKey,
    });
    try {
      const res = await fetch(`${broken.url}/api/health`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'degraded', db: 'down', search: 'ok' });
    } finally {
      await broken.stop();
    }
  });

  test('reports the outbox lags and the age of the last audit anchor (null when there is none)', async () => {
    const quiet = await health();
    expect(quiet.body).toMatchObject({ outbox: { search_lag_s: null, mail_lag_s: null }, audit_anchor_age_s: null });

    // Rows the workers will not claim yet (next attempt in an hour), queued 30 s and 90 s ago.
    await database.pool.query(
      `INSERT INTO search_outbox (entity_type, entity_id, op, created_at, next_attempt_at) VALUES ('line', '999', 'upsert', now() - interval '30 seconds', now() + interval '1 hour')`,
    );
    await database.pool.query(
      `INSERT INTO mail_outbox ("to", subject, body, created_at, next_attempt_at) VALUES ('a@example.org', 's', 'b', now() - interval '90 seconds', now() + interval '1 hour')`,
    );
    const anchors = path.join(dataDir, 'audit-anchors.jsonl');
    writeFileSync(anchors, '{"anchor":1}\n');
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    utimesSync(anchors, twoMinutesAgo, twoMinutesAgo);

    const { body } = await health();
    expect(body.outbox.search_lag_s).toBeGreaterThanOrEqual(30);
    expect(body.outbox.search_lag_s).toBeLessThan(60);
    expect(body.outbox.mail_lag_s).toBeGreaterThanOrEqual(90);
    expect(body.outbox.mail_lag_s).toBeLessThan(120);
    expect(body.audit_anchor_age_s).toBeGreaterThanOrEqual(120);
    expect(body.audit_anchor_age_s).toBeLessThan(150);
  });
});
