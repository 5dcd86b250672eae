/**
 * The pool survives its server going away under a checked-out client: the
 * fault test found a portal process ended by an unhandled 'error' event when
 * PostgreSQL shut down while the search worker held a client.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createPool } from '#db/client.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await useTestDatabase();
});
afterAll(async () => t?.close());

test('a checked-out client whose connection is terminated fails its next query, and the pool carries on', async () => {
  const pool = createPool(t.url, { max: 1 });
  try {
    const client = await pool.connect();
    const { pid } = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!;
    // What a PostgreSQL shutdown does to every session: FATAL 57P01 on a client nobody is querying.
    await t.pool.query('SELECT pg_terminate_backend($1)', [pid]);
    await new Promise((r) => setTimeout(r, 300));
    await expect(client.query('SELECT 1')).rejects.toThrow();
    client.release();
    expect((await pool.query<{ x: number }>('SELECT 1 AS x')).rows[0]!.x).toBe(1);
  } finally {
    await pool.end();
  }
});
