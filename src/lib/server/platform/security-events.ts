/**
 * Security noise (failed and throttled sign-ins, wrong current passwords,
 * dropped mail) goes here, never into the audit trail: the record chain is for
 * changes to the bank's records, and an attacker must not be able to grow it.
 *
 * Bounded by construction: one row per (kind, key, hour) with a counter, the
 * key being a client address or an account id (never what the client typed),
 * and windows older than `RETENTION_DAYS` are deleted whenever a new window
 * row is started.
 */
import { sql } from 'drizzle-orm';
import type { Executor } from '#db/client.ts';
import type { SecurityEventKind } from '#db/schema/security.ts';

export const RETENTION_DAYS = 30;

export async function noteSecurityEvent(
  db: Executor,
  kind: SecurityEventKind,
  key: string,
  now = new Date(),
): Promise<void> {
  const result = await db.execute<{ inserted: boolean }>(sql`
    INSERT INTO security_events AS s (kind, key, window_start, count, last_at)
    VALUES (${kind}, ${key}, date_trunc('hour', ${now}::timestamptz), 1, ${now})
    ON CONFLICT (kind, key, window_start) DO UPDATE SET count = s.count + 1, last_at = greatest(s.last_at, EXCLUDED.last_at)
    RETURNING (xmax = 0) AS inserted`);
  if (result.rows[0]?.inserted) {
    // A new window: the moment to let old ones go.
    await db.execute(
      sql`DELETE FROM security_events WHERE window_start < ${now}::timestamptz - make_interval(days => ${RETENTION_DAYS})`,
    );
  }
}
