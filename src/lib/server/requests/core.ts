/**
 * What every request service shares: finding a request the caller may see
 * (a requester only their own: someone else's is "not found"), the one
 * writer of state changes (ask the state module, lock, update, timeline
 * event, audit event and mail in the caller's transaction), and the typed
 * failures services return.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Database, Executor } from '#db/client.ts';
import { accounts, type Role } from '#db/schema/accounts.ts';
import {
  requestEvents,
  requests,
  signatures,
  type Request,
  type RequestEvent,
  type RequestState,
} from '#db/schema/requests.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { decideTransition, type Actor, type TransitionError, type TransitionFacts, isDraft } from './states.ts';
import { notifyStateChange } from './notifications.ts';
import type { Signer } from './signatures.ts';

export type RequestFailure =
  | { code: 'not_found' }
  | { code: 'transition'; error: TransitionError }
  | { code: 'bad_password' }
  | { code: 'throttled'; retryAfterSeconds: number }
  | { code: 'invalid'; field: string; message: string; key?: string; params?: Record<string, string> }
  | { code: 'insufficient_stock'; batch: string; available: number; wanted: number }
  | { code: 'same_person' }
  | { code: 'batch_not_released'; batch: string; status: string }
  /** The official's link: mistyped, used, expired, the request ended, or changed since the page was opened. */
  | { code: 'link'; why: 'invalid' | 'used' | 'expired' | 'ended' | 'changed' }
  | { code: 'conflict'; message: string };

export type Result<T> = { ok: true; value: T } | { ok: false; failure: RequestFailure };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(failure: RequestFailure): Result<T> => ({ ok: false, failure });

/** Carries a refusal out of `db.transaction`, so the transaction rolls back; private to `transact`. */
class Refusal extends Error {
  constructor(readonly failure: RequestFailure) {
    super(`refused: ${failure.code}`);
  }
}

/**
 * The one way a request service runs its transaction: whenever the work
 * returns a failure, everything it wrote before refusing is rolled back
 * (a refusal can never commit half a change), and the failure is returned.
 * Errors other than refusals propagate unchanged.
 */
export async function transact<T>(db: Database, work: (tx: Executor) => Promise<Result<T>>): Promise<Result<T>> {
  try {
    return await db.transaction(async (tx) => {
      const result = await work(tx);
      if (!result.ok) throw new Refusal(result.failure);
      return result;
    });
  } catch (error) {
    if (error instanceof Refusal) return fail(error.failure);
    throw error;
  }
}

/**
 * The lock order of every transaction of the chain, so two of them never
 * wait for each other in a circle: first the batch rows (ascending id),
 * then the request, and the audit chain head last (taken by `recordAudit`,
 * so every audit event is written after the stock moves). A service that may
 * move stock calls this instead of `lockRequest`.
 */
export async function lockBatchesThenRequest(
  tx: Executor,
  id: number,
  caller: Caller,
  extraBatchIds: number[] = [],
): Promise<Request | undefined> {
  const items = await tx.execute<{ batch_id: number }>(sql`
    SELECT batch_id FROM request_items WHERE request_id = ${id} AND batch_id IS NOT NULL
    UNION SELECT batch_id FROM stock_movements WHERE request_id = ${id}`);
  const ids = [...new Set([...items.rows.map((r) => Number(r.batch_id)), ...extraBatchIds])].sort((a, b) => a - b);
  if (ids.length)
    await tx.execute(
      sql`SELECT id FROM batches WHERE id IN (${sql.join(
        ids.map((b) => sql`${b}`),
        sql`, `,
      )}) ORDER BY id FOR UPDATE`,
    );
  return lockRequest(tx, id, caller);
}

/** Who acts: an account (with its role and printed name) or the system. */
export interface Caller {
  id: string;
  name: string;
  role: Role;
}

export const systemCaller: Caller = { id: 'system', name: 'system', role: 'staff' };

/**
 * The part the caller plays on this request: its requester (even a staff
 * member who asked for vials: nobody approves their own request), the
 * system, or staff.
 */
export function actorKind(caller: Caller, request: Pick<Request, 'requesterId'>): Actor {
  if (caller.id === 'system') return 'system';
  if (caller.id === request.requesterId || caller.role === 'requester') return 'requester';
  return 'staff';
}

/**
 * The first batch the request uses or holds vials of that is not released for
 * distribution (recalled, quarantined, rejected). Asked with the batch rows
 * locked (`lockBatchesThenRequest`), so a recall committing meanwhile waits
 * for this transaction or is seen by it: a recalled batch never leaves.
 */
export async function unreleasedBatchOf(
  tx: Executor,
  requestId: number,
): Promise<{ number: string; status: string } | undefined> {
  const r = await tx.execute<{ number: string; status: string }>(sql`
    SELECT b.number, b.release_status AS status FROM batches b
    WHERE b.release_status <> 'released' AND b.id IN (
      SELECT batch_id FROM request_items WHERE request_id = ${requestId} AND active AND batch_id IS NOT NULL AND coalesce(approved_quantity, quantity) > 0
      UNION SELECT batch_id FROM stock_movements WHERE request_id = ${requestId})
    ORDER BY b.id LIMIT 1`);
  return r.rows[0];
}

/**
 * The request, locked for the transaction, if the caller may act on it:
 * requesters their own only; staff and admins any.
 */
export async function lockRequest(tx: Executor, id: number, caller: Caller): Promise<Request | undefined> {
  const [row] = await tx.select().from(requests).where(eq(requests.id, id)).for('update');
  if (!row) return undefined;
  if (caller.role === 'requester' && row.requesterId !== caller.id) return undefined;
  return row;
}

/** Read without locking, same ownership rule. */
export async function findRequest(db: Executor, id: number, caller: Caller): Promise<Request | undefined> {
  const where =
    caller.role === 'requester' ? and(eq(requests.id, id), eq(requests.requesterId, caller.id)) : eq(requests.id, id);
  const [row] = await db.select().from(requests).where(where);
  return row;
}

export async function addEvent(
  tx: Executor,
  event: Pick<RequestEvent, 'requestId' | 'kind'> &
    Partial<Pick<RequestEvent, 'fromState' | 'toState' | 'body' | 'visibleToRequester' | 'data'>> & { caller: Caller },
): Promise<void> {
  const { caller, ...rest } = event;
  await tx.insert(requestEvents).values({ ...rest, actor: caller.id, actorName: caller.name });
}

/**
 * The facts of a request the portal knows by itself, read in the caller's
 * transaction at the moment of the move (never trusted from a page or an
 * earlier read): deviations awaiting assessment, vials that left, the
 * dispatch and the arrival of the transport record.
 */
export async function chainFacts(
  tx: Executor,
  requestId: number,
): Promise<Required<Pick<TransitionFacts, 'openDeviations' | 'vialsLeft' | 'dispatchRecorded' | 'arrivalRecorded'>>> {
  const r = await tx.execute<{ open_deviations: number; vials_left: boolean; dispatch: boolean; arrival: boolean }>(sql`
    SELECT (SELECT open_deviations FROM requests WHERE id = ${requestId}) AS open_deviations,
      EXISTS (SELECT 1 FROM stock_movements WHERE request_id = ${requestId} AND kind = 'shipped') AS vials_left,
      EXISTS (SELECT 1 FROM shipments WHERE request_id = ${requestId} AND dispatch_place <> '') AS dispatch,
      EXISTS (SELECT 1 FROM shipments WHERE request_id = ${requestId} AND arrival_at IS NOT NULL AND coalesce(arrival_place, '') <> '' AND arrival_temp_c IS NOT NULL AND coalesce(receiver, '') <> '') AS arrival`);
  const row = r.rows[0]!;
  return {
    openDeviations: Number(row.open_deviations ?? 0),
    vialsLeft: row.vials_left,
    dispatchRecorded: row.dispatch,
    arrivalRecorded: row.arrival,
  };
}

/**
 * The one way a request changes state. Asks the state module first, with the
 * facts the portal knows (`chainFacts`) over whatever the caller supplied: an
 * illegal move returns its error, and `transact` rolls back what the service
 * wrote before. A move that needs a signature takes the checked signer and
 * writes the signature here, in the move's transaction.
 */
export async function changeState(
  tx: Executor,
  request: Request,
  to: RequestState,
  caller: Caller,
  facts: TransitionFacts,
  options: {
    comment?: string | null;
    set?: Partial<Request>;
    data?: Record<string, unknown>;
    notify?: boolean;
    signer?: Signer;
  } = {},
): Promise<Result<Request>> {
  const known = await chainFacts(tx, request.id);
  const decision = decideTransition(request.state, to, actorKind(caller, request), {
    ...facts,
    ...known,
    signed: facts.signed || Boolean(options.signer),
  });
  if (!decision.ok) return fail({ code: 'transition', error: decision.error });
  let data = options.data ?? null;
  const meaning = decision.rule.signature;
  if (meaning && options.signer) {
    // The signature step of the move: written in the move's transaction, so a refused move signs nothing.
    const [signature] = await tx
      .insert(signatures)
      .values({
        entityType: 'request',
        entityId: String(request.id),
        signerId: options.signer.id,
        signerName: options.signer.name,
        meaning,
        comment: options.comment ?? null,
      })
      .returning({ id: signatures.id });
    data = { ...data, signature: signature!.id };
  }
  const now = new Date();
  const [after] = await tx
    .update(requests)
    .set({ ...options.set, state: to, stateChangedAt: now, lastReminderAt: null, escalatedAt: null })
    .where(eq(requests.id, request.id))
    .returning();
  await addEvent(tx, {
    requestId: request.id,
    kind: 'state',
    fromState: request.state,
    toState: to,
    body: options.comment ?? facts.reason ?? null,
    caller,
    data,
  });
  await recordAudit(tx, {
    actor: caller.id,
    action: `request.${to}`,
    entityType: 'request',
    entityId: request.id,
    before: { state: request.state, ...pick(request, Object.keys(options.set ?? {}) as (keyof Request)[]) },
    after: { state: to, ...options.set },
    reason: facts.reason ?? options.comment ?? null,
  });
  if (options.notify !== false && to !== 'draft') {
    const [requester] = await tx
      .select({ email: accounts.email, locale: accounts.locale })
      .from(accounts)
      .where(eq(accounts.id, request.requesterId));
    if (requester) await notifyStateChange(tx, after!, requester, to, options.comment ?? facts.reason);
  }
  return ok(after!);
}

function pick<T extends object>(o: T, keys: (keyof T)[]): Partial<T> {
  return Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]])) as Partial<T>;
}

/** Corrections of a request's fields keep the old value, who, when and why (audit + timeline). */
export async function correctFields(
  tx: Executor,
  request: Request,
  caller: Caller,
  changes: Partial<Request>,
  reason: string | null,
  visible = true,
): Promise<Request> {
  const changed = (Object.keys(changes) as (keyof Request)[]).filter(
    (k) => JSON.stringify(changes[k]) !== JSON.stringify(request[k]),
  );
  if (!changed.length) return request;
  const before = pick(request, changed);
  const after = pick(changes as Request, changed);
  const [row] = await tx.update(requests).set(after).where(eq(requests.id, request.id)).returning();
  await recordAudit(tx, {
    actor: caller.id,
    action: 'request.corrected',
    entityType: 'request',
    entityId: request.id,
    before,
    after,
    reason,
  });
  if (!isDraft(request.state))
    await addEvent(tx, {
      requestId: request.id,
      kind: 'correction',
      caller,
      body: reason,
      data: { before, after },
      visibleToRequester: visible,
    });
  return row!;
}
