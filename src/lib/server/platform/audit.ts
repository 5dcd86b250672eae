/**
 * Writes to the append-only, hash-chained audit trail (db/schema/audit.ts).
 * Call it with the same transaction as the change it records.
 */
import { sql } from 'drizzle-orm';
import type { Executor } from '#db/client.ts';
import { auditEvents } from '#db/schema/audit.ts';

export interface AuditInput {
  /** Account id, or a label such as `import:cli`, `system`. */
  actor: string;
  action: string;
  entityType: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
}

export async function recordAudit(tx: Executor, event: AuditInput): Promise<void> {
  await recordAuditMany(tx, [event]);
}

export async function recordAuditMany(tx: Executor, events: AuditInput[]): Promise<void> {
  if (events.length === 0) return;
  await tx.insert(auditEvents).values(
    events.map((e) => ({
      actor: e.actor,
      action: e.action,
      entityType: e.entityType,
      entityId: e.entityId,
      before: e.before ?? null,
      after: e.after ?? null,
      reason: e.reason ?? null,
    })),
  );
}

export interface ChainReport {
  events: number;
  ok: boolean;
  /** The first row whose hash or link does not hold, if any. */
  brokenAt?: { id: number; problem: string };
}

/**
 * Recomputes every row's digest and follows the chain from its start:
 * a changed, removed or reordered row breaks it.
 */
export async function verifyAuditChain(tx: Executor): Promise<ChainReport> {
  const result = await tx.execute<{ id: string; prev_hash: string | null; hash: string; expected: string }>(
    sql`SELECT id, prev_hash, hash, audit_event_digest(prev_hash, e) AS expected FROM audit_events e`,
  );
  const rows = result.rows;
  const byPrev = new Map<string, (typeof rows)[number]>();
  for (const row of rows) {
    if (row.hash !== row.expected) return { events: rows.length, ok: false, brokenAt: { id: Number(row.id), problem: 'content does not match its hash' } };
    const key = row.prev_hash ?? '';
    if (byPrev.has(key)) return { events: rows.length, ok: false, brokenAt: { id: Number(row.id), problem: 'two events claim the same predecessor' } };
    byPrev.set(key, row);
  }
  let seen = 0;
  let last: (typeof rows)[number] | undefined;
  for (let row = byPrev.get(''); row; row = byPrev.get(row.hash)) {
    seen++;
    last = row;
  }
  if (seen !== rows.length) return { events: rows.length, ok: false, brokenAt: { id: 0, problem: `${rows.length - seen} events are not linked into the chain` } };
  // The head names the last event: cutting events off the end is noticed too.
  const head = await tx.execute<{ hash: string | null }>(sql`SELECT hash FROM audit_chain_head`);
  if ((head.rows[0]?.hash ?? null) !== (last?.hash ?? null)) {
    return { events: rows.length, ok: false, brokenAt: { id: last ? Number(last.id) : 0, problem: 'the chain head does not name the last event' } };
  }
  return { events: rows.length, ok: true };
}
