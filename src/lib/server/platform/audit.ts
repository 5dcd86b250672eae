/**
 * The one writer of the append-only, hash-chained audit trail
 * (db/schema/audit.ts). Every audit row, single or bulk, goes through here,
 * in the same transaction as the change it records.
 *
 * The rule for entity ids: `entityId` is the entity's primary key as text
 * (a serial number for lines, batches, requests…, the uuid for accounts),
 * never a name or number that can change or be reused; names go in
 * `before`/`after`. `entityKinds` lists every entity type and the shape of
 * its key, and a row that breaks the rule is refused before it is written.
 */
import { sql } from 'drizzle-orm';
import type pg from 'pg';
import type { Executor } from '#db/client.ts';
import { auditEvents } from '#db/schema/audit.ts';

const serial = /^[1-9][0-9]*$/;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Every entity type the trail knows, and what its id looks like. */
export const entityKinds = {
  account: uuid,
  line: serial,
  batch: serial,
  request: serial,
  agreement: serial,
  shipment: serial,
  deviation: serial,
  // The bank's storage (src/lib/server/bank/storage.ts).
  storage_unit: serial,
  storage_box: serial,
  bank_deviation: serial,
} as const satisfies Record<string, RegExp>;

export type AuditEntityType = keyof typeof entityKinds;

export interface AuditInput {
  /** Account id, or a label such as `import:cli`, `system`. */
  actor: string;
  /** Verb-first, dotted: `line.created`, `request.approved` … */
  action: string;
  entityType: AuditEntityType;
  /** The entity's primary key (see the rule above). */
  entityId: string | number;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
}

export class AuditRuleError extends Error {
  override name = 'AuditRuleError';
}

function toRow(e: AuditInput) {
  const entityId = String(e.entityId);
  const shape = entityKinds[e.entityType];
  if (!shape) throw new AuditRuleError(`audit: unknown entity type "${e.entityType}"`);
  if (!shape.test(entityId))
    throw new AuditRuleError(`audit: ${e.entityType} id "${entityId}" is not the entity's primary key`);
  if (!/^[a-z_]+\.[a-z_]+$/.test(e.action))
    throw new AuditRuleError(`audit: action "${e.action}" is not dotted verb-first (entity.verb)`);
  return {
    actor: e.actor,
    action: e.action,
    entityType: e.entityType,
    entityId,
    before: e.before ?? null,
    after: e.after ?? null,
    reason: e.reason ?? null,
  };
}

/** One event, through drizzle (a service's transaction). */
export async function recordAudit(tx: Executor, event: AuditInput): Promise<void> {
  await tx.insert(auditEvents).values(toRow(event));
}

/** Many events in one statement (the importer's bulk path): one round trip per call, whatever the count. */
export async function recordAuditBulk(client: pg.ClientBase, events: AuditInput[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map(toRow);
  const json = (v: unknown) => (v === null ? null : JSON.stringify(v));
  await client.query(
    `INSERT INTO audit_events (actor, action, entity_type, entity_id, before, after, reason)
     SELECT a, b, c, d, e::jsonb, f::jsonb, g
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS u(a, b, c, d, e, f, g)`,
    [
      rows.map((r) => r.actor),
      rows.map((r) => r.action),
      rows.map((r) => r.entityType),
      rows.map((r) => r.entityId),
      rows.map((r) => json(r.before)),
      rows.map((r) => json(r.after)),
      rows.map((r) => r.reason),
    ],
  );
}

export interface ChainReport {
  events: number;
  ok: boolean;
  /** The first row whose hash or link does not hold, if any. */
  brokenAt?: { id: number; problem: string };
}

/** One event's place in the chain, as the anchors see it. */
export interface ChainLink {
  id: number;
  hash: string;
}

/**
 * Recomputes every row's digest and follows the chain from its start:
 * a changed, removed or reordered row breaks it. With `withChain`, also
 * returns the links in chain order (as far as they can be followed), for the
 * anchors to be checked against (audit-anchor.ts): a chain re-hashed after
 * an edit, or cut short, is consistent in itself and only they can tell.
 */
export async function verifyAuditChain(tx: Executor): Promise<ChainReport>;
export async function verifyAuditChain(
  tx: Executor,
  options: { withChain: true },
): Promise<ChainReport & { chain: ChainLink[] }>;
export async function verifyAuditChain(
  tx: Executor,
  options: { withChain?: boolean } = {},
): Promise<ChainReport & { chain?: ChainLink[] }> {
  const result = await tx.execute<{ id: string; prev_hash: string | null; hash: string; expected: string }>(
    sql`SELECT id, prev_hash, hash, audit_event_digest(prev_hash, e) AS expected FROM audit_events e ORDER BY id`,
  );
  const rows = result.rows;
  const byPrev = new Map<string, (typeof rows)[number]>();
  let brokenAt: ChainReport['brokenAt'];
  for (const row of rows) {
    if (!brokenAt && row.hash !== row.expected)
      brokenAt = { id: Number(row.id), problem: 'content does not match its hash' };
    const key = row.prev_hash ?? '';
    if (byPrev.has(key)) {
      brokenAt ??= { id: Number(row.id), problem: 'two events claim the same predecessor' };
      continue;
    }
    byPrev.set(key, row);
  }
  const chain: ChainLink[] = [];
  let last: (typeof rows)[number] | undefined;
  for (let row = byPrev.get(''); row && chain.length <= rows.length; row = byPrev.get(row.hash)) {
    chain.push({ id: Number(row.id), hash: row.hash });
    last = row;
  }
  const withChain = <T extends ChainReport>(report: T) => (options.withChain ? { ...report, chain } : report);
  if (brokenAt) return withChain({ events: rows.length, ok: false, brokenAt });
  if (chain.length !== rows.length)
    return withChain({
      events: rows.length,
      ok: false,
      brokenAt: { id: 0, problem: `${rows.length - chain.length} events are not linked into the chain` },
    });
  // The head names the last event: cutting events off the end is noticed too.
  const head = await tx.execute<{ hash: string | null }>(sql`SELECT hash FROM audit_chain_head`);
  if ((head.rows[0]?.hash ?? null) !== (last?.hash ?? null)) {
    return withChain({
      events: rows.length,
      ok: false,
      brokenAt: { id: last ? Number(last.id) : 0, problem: 'the chain head does not name the last event' },
    });
  }
  return withChain({ events: rows.length, ok: true });
}
