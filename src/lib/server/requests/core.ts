/**
 * What every request service shares: finding a request the caller may see
 * (a requester only their own: someone else's is "not found"), the one
 * writer of state changes (ask the state module, lock, update, timeline
 * event, audit event and mail in the caller's transaction), and the typed
 * failures services return.
 */
import { and, eq } from 'drizzle-orm';
import type { Executor } from '#db/client.ts';
import { accounts } from '#db/schema/accounts.ts';
import { requestEvents, requests, type Request, type RequestEvent, type RequestState } from '#db/schema/requests.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { decideTransition, type Actor, type TransitionError, type TransitionFacts } from './states.ts';
import { notifyStateChange } from './notifications.ts';

export type RequestFailure =
  | { code: 'not_found' }
  | { code: 'transition'; error: TransitionError }
  | { code: 'bad_password' }
  | { code: 'throttled'; retryAfterSeconds: number }
  | { code: 'invalid'; field: string; message: string; key?: string; params?: Record<string, string> }
  | { code: 'insufficient_stock'; batch: string; available: number; wanted: number }
  | { code: 'same_person' }
  | { code: 'conflict'; message: string };

export type Result<T> = { ok: true; value: T } | { ok: false; failure: RequestFailure };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(failure: RequestFailure): Result<T> => ({ ok: false, failure });

/** Who acts: an account (with its role and printed name) or the system. */
export interface Caller {
  id: string;
  name: string;
  role: 'requester' | 'staff' | 'admin';
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
  const where = caller.role === 'requester' ? and(eq(requests.id, id), eq(requests.requesterId, caller.id)) : eq(requests.id, id);
  const [row] = await db.select().from(requests).where(where);
  return row;
}

export async function addEvent(
  tx: Executor,
  event: Pick<RequestEvent, 'requestId' | 'kind'> & Partial<Pick<RequestEvent, 'fromState' | 'toState' | 'body' | 'visibleToRequester' | 'data'>> & { caller: Caller },
): Promise<void> {
  const { caller, ...rest } = event;
  await tx.insert(requestEvents).values({ ...rest, actor: caller.id, actorName: caller.name });
}

/**
 * The one way a request changes state. Asks the state module first: an
 * illegal move returns its error and writes nothing.
 */
export async function changeState(
  tx: Executor,
  request: Request,
  to: RequestState,
  caller: Caller,
  facts: TransitionFacts,
  options: { comment?: string | null; set?: Partial<Request>; data?: unknown; notify?: boolean } = {},
): Promise<Result<Request>> {
  const decision = decideTransition(request.state, to, actorKind(caller, request), facts);
  if (!decision.ok) return fail({ code: 'transition', error: decision.error });
  const now = new Date();
  const [after] = await tx
    .update(requests)
    .set({ ...options.set, state: to, stateChangedAt: now, lastReminderAt: null, escalatedAt: null })
    .where(eq(requests.id, request.id))
    .returning();
  await addEvent(tx, { requestId: request.id, kind: 'state', fromState: request.state, toState: to, body: options.comment ?? facts.reason ?? null, caller, data: options.data ?? null });
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
    const [requester] = await tx.select({ email: accounts.email, locale: accounts.locale }).from(accounts).where(eq(accounts.id, request.requesterId));
    if (requester) await notifyStateChange(tx, after!, requester, to, options.comment ?? facts.reason);
  }
  return ok(after!);
}

function pick<T extends object>(o: T, keys: (keyof T)[]): Partial<T> {
  return Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]])) as Partial<T>;
}

/** Corrections of a request's fields keep the old value, who, when and why (audit + timeline). */
export async function correctFields(tx: Executor, request: Request, caller: Caller, changes: Partial<Request>, reason: string | null, visible = true): Promise<Request> {
  const changed = (Object.keys(changes) as (keyof Request)[]).filter((k) => JSON.stringify(changes[k]) !== JSON.stringify(request[k]));
  if (!changed.length) return request;
  const before = pick(request, changed);
  const after = pick(changes as Request, changed);
  const [row] = await tx.update(requests).set(after).where(eq(requests.id, request.id)).returning();
  await recordAudit(tx, { actor: caller.id, action: 'request.corrected', entityType: 'request', entityId: request.id, before, after, reason });
  if (request.state !== 'draft') await addEvent(tx, { requestId: request.id, kind: 'correction', caller, body: reason, data: { before, after }, visibleToRequester: visible });
  return row!;
}
