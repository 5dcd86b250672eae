/**
 * The production server on two cores (scripts/lib/serve.ts, WEB_CONCURRENCY=2):
 * both workers serve, and the background loops (outbox workers, reminders,
 * alerts, anchors) run in exactly one process, taken over by another when
 * that one dies (src/lib/server/workers.ts, a PostgreSQL advisory lock).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { inject } from 'vitest';
import { WORKERS_LOCK } from '#server/workers.ts';
import { uniqueIndexPrefix, useTestDatabase, type TestDatabase } from '../support/db.ts';
import { startPortalServer, type RunningServer } from '../support/server.ts';

let database: TestDatabase;
let server: RunningServer;
let url: string;
const output = () => server.output();

beforeAll(async () => {
  database = await useTestDatabase();
  server = await startPortalServer(
    {
      DATABASE_URL: database.appUrl,
      MEILI_URL: inject('meiliUrl'),
      MEILI_MASTER_KEY: inject('meiliKey'),
      MEILI_INDEX_PREFIX: uniqueIndexPrefix(),
    },
    { workers: 2 },
  );
  url = server.url;
}, 90_000);

afterAll(async () => {
  await server?.stop();
  await database?.close();
});

async function waitFor(what: string, check: () => Promise<boolean> | boolean, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms\n${output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const leaders = () =>
  [...output().matchAll(/\[workers\] pid (\d+) runs the background loops/g)].map((m) => Number(m[1]));

/** Sessions of the election (one per process that asked) and holders of the lock. */
async function election() {
  const { rows } = await database.pool.query<{ sessions: number; holders: number }>(
    `SELECT (SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'stem-cell-portal workers') AS sessions,
            (SELECT count(*)::int FROM pg_locks l JOIN pg_database d ON d.oid = l.database
              WHERE l.locktype = 'advisory' AND l.granted AND l.objid = $1 AND d.datname = current_database()) AS holders`,
    [WORKERS_LOCK],
  );
  return rows[0]!;
}

test('two worker processes serve; the background loops run in one of them, and another takes over when it dies', async () => {
  // Requests reach both workers (the primary hands out connections in turn); each starts its bid on its first request.
  await waitFor('both processes asked for the lead', async () => {
    await Promise.all(
      Array.from({ length: 6 }, () =>
        fetch(`${url}/about/data-sources`, { headers: { Connection: 'close' } }).then((r) => r.arrayBuffer()),
      ),
    );
    return (await election()).sessions === 2;
  });
  await waitFor('one leader', () => leaders().length === 1);
  // Several election rounds later (every 5 s), still one.
  await new Promise((r) => setTimeout(r, 6_000));
  expect(leaders()).toHaveLength(1);
  expect(await election()).toEqual({ sessions: 2, holders: 1 });

  const first = leaders()[0]!;
  process.kill(first, 'SIGKILL');
  await waitFor('another process took the lead', () => leaders().length === 2, 30_000);
  expect(leaders()[1]).not.toBe(first);
  expect((await election()).holders).toBe(1);
  expect((await fetch(`${url}/about/data-sources`)).status).toBe(200);
}, 90_000);

test('a page one worker rendered is a cache hit in the other (the primary keeps a shared tier)', async () => {
  const page = `${url}/about/data-sources?tier=${Date.now()}`;
  const fresh = () => fetch(page, { headers: { Connection: 'close' } });
  const first = await fresh();
  expect(first.headers.get('x-cache')).toBe('miss');
  const html = await first.text();
  // New connections go to the workers in turn: without the shared tier the other worker's first answer is a miss.
  for (let i = 0; i < 6; i++) {
    const again = await fresh();
    expect(again.headers.get('x-cache'), `request ${i + 2}`).toBe('hit');
    expect(await again.text()).toBe(html);
  }
});
