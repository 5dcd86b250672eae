/**
 * Bulk writes through `unnest`: one statement per table and chunk, whatever
 * the number of rows, which is what makes imports of 50,000 lines take
 * seconds instead of minutes.
 */
import type pg from 'pg';

export type Column = { name: string; type: string };

/**
 * INSERT INTO table (cols) SELECT * FROM unnest($1::type[], ...) [suffix]
 * `rows` are arrays in column order.
 */
export async function insertRows(
  client: pg.ClientBase,
  table: string,
  columns: Column[],
  rows: unknown[][],
  suffix = '',
): Promise<pg.QueryResult> {
  const arrays = columns.map((_, i) => rows.map((r) => r[i] ?? null));
  const names = columns.map((c) => `"${c.name}"`).join(', ');
  const unnest = columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
  return client.query(`INSERT INTO ${table} (${names}) SELECT * FROM unnest(${unnest}) ${suffix}`, arrays);
}

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
