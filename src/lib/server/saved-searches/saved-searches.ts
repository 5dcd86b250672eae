/**
 * Saved searches and availability alerts. A researcher saves the search they
 * are looking at; the alert check (a worker in each server process, and
 * `checkAlerts` from tests) re-runs every search with alerts on and mails,
 * through the outbox and in the reader's language, the lines that newly match
 * or newly became available since the last check. The first check of a
 * search only records what matches: saving a search mails nothing.
 */
import { and, asc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Meilisearch } from 'meilisearch';
import { z } from 'zod';
import { id } from '#schemas/ids.ts';
import type { Database } from '#db/client.ts';
import { accounts } from '#db/schema/accounts.ts';
import { savedSearches, type SavedSearch } from '#db/schema/saved-searches.ts';
import { parseSearchParams, SearchParamsError } from '#schemas/search-params.ts';
import { queueMail } from '#server/platform/mail.ts';
import { searchLines } from '#server/search/search.ts';
import { alertMail } from './alert-mail.ts';

/** Most saved searches one account may keep: alerts re-run each of them. */
export const MAX_SAVED_SEARCHES = 50;
/** Lines an alert looks at per search: beyond this a search is too broad to alert on usefully. */
const MAX_LINES_WATCHED = 500;

export const saveSearchInput = z.object({
  name: z.string('auth.error.required').trim().min(1, 'auth.error.required').max(120, 'auth.error.tooLong'),
  /** The query string of the search page, with or without its leading `?`. */
  query: z.string().max(2000).default(''),
});
export const savedSearchIdInput = z.object({ id });

export type SaveResult =
  | { ok: true; id: number }
  | { ok: false; reason: 'bad_query'; parameter: string }
  | { ok: false; reason: 'too_many' };

/** The query string, normalised: validated like a search, without paging. */
function normaliseQuery(query: string): string {
  const params = new URLSearchParams(query.replace(/^\?/, ''));
  for (const k of ['page', 'per_page', 'lang']) params.delete(k);
  parseSearchParams(params); // throws SearchParamsError naming the parameter
  return params.toString();
}

export async function saveSearch(
  db: Database,
  accountId: string,
  input: z.output<typeof saveSearchInput>,
): Promise<SaveResult> {
  let query: string;
  try {
    query = normaliseQuery(input.query);
  } catch (error) {
    if (error instanceof SearchParamsError) return { ok: false, reason: 'bad_query', parameter: error.parameter };
    throw error;
  }
  return db.transaction(async (tx) => {
    // Serialise saves of one account so the limit holds under concurrent posts.
    await tx.execute(sql`SELECT id FROM accounts WHERE id = ${accountId} FOR UPDATE`);
    const [{ n }] = (await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(savedSearches)
      .where(eq(savedSearches.accountId, accountId))) as [{ n: number }];
    if (n >= MAX_SAVED_SEARCHES) return { ok: false, reason: 'too_many' } as const;
    const [row] = await tx
      .insert(savedSearches)
      .values({ accountId, name: input.name, query })
      .returning({ id: savedSearches.id });
    return { ok: true, id: row!.id } as const;
  });
}

export function listSavedSearches(db: Database, accountId: string): Promise<SavedSearch[]> {
  return db
    .select()
    .from(savedSearches)
    .where(eq(savedSearches.accountId, accountId))
    .orderBy(asc(savedSearches.createdAt), asc(savedSearches.id));
}

/** Only the owner's: another account's id changes nothing (false). */
export async function deleteSavedSearch(db: Database, accountId: string, id: number): Promise<boolean> {
  const rows = await db
    .delete(savedSearches)
    .where(and(eq(savedSearches.id, id), eq(savedSearches.accountId, accountId)))
    .returning({ id: savedSearches.id });
  return rows.length > 0;
}

export async function setSavedSearchAlert(
  db: Database,
  accountId: string,
  id: number,
  alert: boolean,
): Promise<boolean> {
  const rows = await db
    .update(savedSearches)
    .set({ alert, ...(alert ? { checkedAt: null } : {}) }) // re-enabled: take a fresh baseline, do not mail the backlog
    .where(and(eq(savedSearches.id, id), eq(savedSearches.accountId, accountId)))
    .returning({ id: savedSearches.id });
  return rows.length > 0;
}

export interface AlertDeps {
  db: Database;
  meili: Meilisearch;
  prefix: string;
  /** PUBLIC_URL or the local origin: links in mail. */
  origin: string;
}

export interface AlertCheck {
  checked: number;
  mailed: number;
}

async function currentMatches(deps: AlertDeps, query: string): Promise<{ lines: string[]; available: string[] }> {
  const lines: string[] = [];
  const available: string[] = [];
  for (let page = 1; lines.length < MAX_LINES_WATCHED; page++) {
    const params = parseSearchParams(new URLSearchParams(`${query}&page=${page}&per_page=100`.replace(/^&/, '')));
    const r = await searchLines(deps.meili, deps.prefix, params, { withoutFacets: true });
    for (const h of r.hits) {
      lines.push(h.name);
      if (h.availability === 'available') available.push(h.name);
    }
    if (page * 100 >= Math.min(r.total, MAX_LINES_WATCHED)) break;
  }
  return { lines, available };
}

/**
 * Re-runs saved searches with alerts on, not checked since `olderThan`, and
 * mails what is new. The mail and the new "seen" sets are written in one
 * transaction, so a line is announced once.
 */
export async function checkAlerts(
  deps: AlertDeps,
  options: { olderThan?: Date; limit?: number } = {},
): Promise<AlertCheck> {
  const olderThan = options.olderThan ?? new Date();
  const due = await deps.db
    .select({ search: savedSearches, email: accounts.email, locale: accounts.locale })
    .from(savedSearches)
    .innerJoin(accounts, eq(accounts.id, savedSearches.accountId))
    .where(
      and(
        eq(savedSearches.alert, true),
        eq(accounts.status, 'active'),
        or(isNull(savedSearches.checkedAt), lt(savedSearches.checkedAt, olderThan)),
      ),
    )
    .orderBy(sql`${savedSearches.checkedAt} NULLS FIRST`, asc(savedSearches.id))
    .limit(options.limit ?? 100);
  const result: AlertCheck = { checked: 0, mailed: 0 };
  for (const { search, email, locale } of due) {
    // Each search is claimed (row lock, SKIP LOCKED) for its whole check, so two server
    // processes never check, and mail, the same search at once.
    const outcome = await deps.db.transaction(async (tx) => {
      const claimed = await tx.execute<{ seen_lines: string[]; seen_available: string[]; checked_at: Date | null }>(
        sql`SELECT seen_lines, seen_available, checked_at FROM saved_searches WHERE id = ${search.id} AND alert AND (checked_at IS NULL OR checked_at < ${olderThan}) FOR UPDATE SKIP LOCKED`,
      );
      const current = claimed.rows[0];
      if (!current) return 'skipped' as const;
      let now: { lines: string[]; available: string[] };
      try {
        now = await currentMatches(deps, search.query);
      } catch (error) {
        if (error instanceof SearchParamsError) {
          // A search saved under older rules: stop alerting rather than fail every round.
          await tx.update(savedSearches).set({ alert: false }).where(eq(savedSearches.id, search.id));
          return 'skipped' as const;
        }
        throw error;
      }
      // What was seen, as read under the lock (another process may have checked since the list was read).
      const first = current.checked_at === null;
      const seen = new Set(current.seen_lines);
      const seenAvailable = new Set(current.seen_available);
      const newLines = first ? [] : now.lines.filter((n) => !seen.has(n));
      const newlyAvailable = first ? [] : now.available.filter((n) => !seenAvailable.has(n) && seen.has(n));
      const mailed = newLines.length > 0 || newlyAvailable.length > 0;
      if (mailed)
        await queueMail(tx, alertMail({ to: email, locale, search, newLines, newlyAvailable, origin: deps.origin }));
      await tx
        .update(savedSearches)
        .set({ seenLines: now.lines, seenAvailable: now.available, checkedAt: new Date() })
        .where(eq(savedSearches.id, search.id));
      return mailed ? ('mailed' as const) : ('checked' as const);
    });
    if (outcome === 'skipped') continue;
    result.checked++;
    if (outcome === 'mailed') result.mailed++;
  }
  return result;
}
