import { mkdtempSync, rmSync } from 'node:fs';
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
  server = await startPortalServer({ DATABASE_URL: database.appUrl, MEILI_URL: meili.url, MEILI_MASTER_KEY: meili.masterKey });
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
});
