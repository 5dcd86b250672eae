/**
 * The queries every reader's request runs, checked with EXPLAIN on a catalog
 * of 100,000 lines (issue 20): no sequential scan of a large table for a line
 * page, a batch page, a name that does not exist, or the search outbox poll.
 * The plans are PostgreSQL's own, read from the statements the services send.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { drizzle } from 'drizzle-orm/node-postgres';
import { schema, type Database } from '#db/client.ts';
import { claimDue } from '#db/outbox.ts';
import { syntheticLine } from '#seed/synthetic.ts';
import { locateBatch, locateLine } from '#server/catalog/catalog.ts';
import { seedSyntheticLines } from '#scripts/lib/seed-synthetic.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';

const LINES = 100_000;
let t: TestDatabase;
let sent: { sql: string; params: unknown[] }[] = [];
let db: Database;
/** Tables big enough that a scan of all their rows is the defect (filled in after seeding). */
let bigTables: Set<string>;

beforeAll(async () => {
  t = await useTestDatabase();
  await seedSyntheticLines(t.pool, LINES, { update() {}, done() {} } as never, { withQc: false });
  // Every row processed, then the statistics left as they were when all waited: the state after a bulk import.
  await t.pool.query('ANALYZE');
  await t.pool.query(`UPDATE search_outbox SET processed_at = now() WHERE processed_at IS NULL`);
  await t.pool.query(`INSERT INTO search_outbox (entity_type, entity_id, op) VALUES ('line', '1', 'upsert')`);
  const { rows } = await t.pool.query<{ relname: string }>(
    `SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples > 20000`,
  );
  bigTables = new Set(rows.map((r) => r.relname));
  db = drizzle({
    client: t.pool,
    schema,
    casing: 'snake_case',
    logger: { logQuery: (sql, params) => sent.push({ sql, params }) },
  }) as unknown as Database;
}, 600_000);
afterAll(() => t?.close());

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

async function plan(sql: string, params: unknown[]): Promise<PlanNode[]> {
  const { rows } = await t.pool.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
  return nodesOf((rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan);
}

/** Runs `work`, then EXPLAINs every statement it sent; returns the sequential scans of big tables. */
async function fullScansOf(work: () => Promise<unknown>) {
  sent = [];
  await work();
  expect(sent.length, 'the service sent statements').toBeGreaterThan(0);
  const scans: string[] = [];
  for (const { sql, params } of sent) {
    for (const node of await plan(sql, params)) {
      if (node['Node Type'] === 'Seq Scan' && bigTables.has(node['Relation Name']!))
        scans.push(`${node['Relation Name']} in: ${sql.slice(0, 160)}`);
    }
  }
  return scans;
}

describe(`hot queries at ${LINES.toLocaleString('en')} lines`, () => {
  test('the catalog is as large as it says', () => {
    expect([...bigTables]).toEqual(expect.arrayContaining(['lines', 'batches']));
  });

  test('a line page, by any line (the last one stored too), is served by an index', async () => {
    const name = syntheticLine(LINES - 1).cells.name!;
    let found: Awaited<ReturnType<typeof locateLine>> | undefined;
    expect(await fullScansOf(async () => (found = await locateLine(db, name)))).toEqual([]);
    expect(found?.status).toBe('found');
  });

  test('a line that does not exist is as cheap: every statement served by an index', async () => {
    let found: Awaited<ReturnType<typeof locateLine>> | undefined;
    expect(await fullScansOf(async () => (found = await locateLine(db, 'SYNZZi99999-Q')))).toEqual([]);
    expect(found?.status).toBe('missing');
  });

  test('a name in another case redirects, found through the index', async () => {
    const name = syntheticLine(LINES - 2).cells.name!;
    let found: Awaited<ReturnType<typeof locateLine>> | undefined;
    expect(await fullScansOf(async () => (found = await locateLine(db, name.toLowerCase())))).toEqual([]);
    expect(found).toEqual({ status: 'moved', to: name });
  });

  test('a batch page, and a batch that does not exist, are served by indexes', async () => {
    const number = syntheticLine(LINES - 1).batches[0]!.batch_number!;
    let found: Awaited<ReturnType<typeof locateBatch>> | undefined;
    expect(await fullScansOf(async () => (found = await locateBatch(db, number)))).toEqual([]);
    expect(found?.status).toBe('found');
    expect(await fullScansOf(async () => (found = await locateBatch(db, 'NO-SUCH-BATCH-1')))).toEqual([]);
    expect(found?.status).toBe('missing');
  });

  test('the search outbox poll walks the unprocessed rows only, though the statistics believe 100,000+ wait', async () => {
    const client = await t.pool.connect();
    try {
      await client.query('BEGIN');
      const statements: string[] = [];
      const query = client.query.bind(client);
      (client as unknown as { query: unknown }).query = (text: string, params: unknown[]) => {
        statements.push(text);
        return query(text, params);
      };
      const rows = await claimDue<{ id: number }>(client, 'search_outbox', 'id', 500);
      expect(rows).toHaveLength(1);
      (client as unknown as { query: unknown }).query = query;
      const nodes = await plan(statements[0]!.replace(/FOR UPDATE SKIP LOCKED/, ''), [500]);
      const scans = nodes.filter(
        (n) => n['Relation Name'] === 'search_outbox' || n['Index Name']?.startsWith('search_outbox'),
      );
      expect(scans.map((n) => `${n['Node Type']} ${n['Index Name'] ?? ''}`.trim())).toEqual([
        'Index Scan search_outbox_unprocessed_id_idx',
      ]);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  });
});
