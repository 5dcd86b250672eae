/**
 * A fingerprint of everything the request chain writes: one hash per table
 * (rows sorted by their text form), so a test can say "this refusal changed
 * nothing" and, when it did, name the table.
 */
import type pg from 'pg';

export const chainTables = [
  'requests',
  'request_items',
  'request_events',
  'batches',
  'stock_movements',
  'audit_events',
  'mail_outbox',
  'search_outbox',
  'prices',
  'agreements',
  'agreement_acceptances',
  'signatures',
  'outbound_records',
  'shipments',
  'temperature_readings',
  'deviations',
  'recall_notices',
  'official_confirmation_tokens',
] as const;

export async function chainSnapshot(pool: pg.Pool): Promise<Record<string, string>> {
  const parts = chainTables.map(
    (table) =>
      `SELECT '${table}' AS t, count(*)::text || ':' || coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') AS h FROM ${table} x`,
  );
  const { rows } = await pool.query<{ t: string; h: string }>(parts.join(' UNION ALL '));
  return Object.fromEntries(rows.map((r) => [r.t, r.h]));
}
