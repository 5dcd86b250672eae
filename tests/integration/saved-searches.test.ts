/**
 * Saved searches and availability alerts: saving validates the search,
 * the first check only records what matches, and later checks mail (through
 * the outbox, in the reader's language) the lines that newly match or newly
 * became available, once.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { importText } from '#server/catalog/import/import-file.ts';
import { accounts } from '#db/schema/accounts.ts';
import {
  checkAlerts,
  deleteSavedSearch,
  listSavedSearches,
  MAX_SAVED_SEARCHES,
  saveSearch,
  setSavedSearchAlert,
} from '#server/saved-searches/saved-searches.ts';
import { makeAccount } from '../support/accounts.ts';
import type { TestDatabase } from '../support/db.ts';
import { closeDemoCatalogSearch, openDemoCatalogSearch, type TestSearch } from '../support/search.ts';

let t: TestDatabase;
let s: TestSearch;

beforeAll(async () => ({ t, s } = await openDemoCatalogSearch()), 180_000);
afterAll(() => closeDemoCatalogSearch(t, s));

const deps = () => ({ db: t.db, meili: s.meili, prefix: s.prefix, origin: 'https://cells.example.org' });
const mailTo = async (email: string) =>
  (
    await t.db.execute<{ subject: string; body: string }>(
      sql`SELECT subject, body FROM mail_outbox WHERE "to" = ${email} ORDER BY id`,
    )
  ).rows;
/** Every due search, whatever its last check. */
const checkNow = () => checkAlerts(deps(), { olderThan: new Date(Date.now() + 60_000) });

describe('saving', () => {
  test('a search is saved with its query normalised; a bad parameter is refused by name; only the owner deletes', async () => {
    const a = await makeAccount(t.db, 'requester');
    const b = await makeAccount(t.db, 'requester');
    expect(
      await saveSearch(t.db, a.id, { name: 'Parkinson iPSC', query: '?q=parkinson&category=ipsc&page=3' }),
    ).toMatchObject({ ok: true });
    expect(await saveSearch(t.db, a.id, { name: 'bad', query: 'grade=platinum' })).toEqual({
      ok: false,
      reason: 'bad_query',
      parameter: 'grade',
    });
    const [saved] = await listSavedSearches(t.db, a.id);
    expect(saved).toMatchObject({ name: 'Parkinson iPSC', query: 'q=parkinson&category=ipsc', alert: true });
    expect(await deleteSavedSearch(t.db, b.id, saved!.id), "another account's search").toBe(false);
    expect(await deleteSavedSearch(t.db, a.id, saved!.id)).toBe(true);
    expect(await listSavedSearches(t.db, a.id)).toEqual([]);
  });

  test(`an account keeps at most ${MAX_SAVED_SEARCHES} searches`, async () => {
    const a = await makeAccount(t.db, 'requester');
    for (let i = 0; i < MAX_SAVED_SEARCHES; i++)
      expect((await saveSearch(t.db, a.id, { name: `s${i}`, query: `q=x${i}` })).ok).toBe(true);
    expect(await saveSearch(t.db, a.id, { name: 'one more', query: '' })).toEqual({ ok: false, reason: 'too_many' });
  });
});

describe('alerts', () => {
  test('first check mails nothing; a new matching line is mailed once, in English', async () => {
    const a = await makeAccount(t.db, 'requester');
    await saveSearch(t.db, a.id, { name: 'Zebra lines', query: 'q=zebradisease' });
    await saveSearch(t.db, a.id, { name: 'All MSC', query: 'category=msc' });
    await checkNow();
    expect(await mailTo(a.email), 'saving a search mails nothing').toEqual([]);

    await importText(t.pool, 'new.tsv', 'name\tcategory\tsynonyms\nALERT-MSC-1\tmsc\tzebradisease-model\n');
    await s.sync();
    await checkNow();
    const mails = await mailTo(a.email);
    expect(mails).toHaveLength(2);
    for (const m of mails) {
      expect(m.body).toContain('ALERT-MSC-1: https://cells.example.org/lines/ALERT-MSC-1');
      expect(m.subject).toMatch(/^Updates to your saved search/);
    }
    await checkNow();
    expect(await mailTo(a.email), 'told once').toHaveLength(2);
  });

  test('a matching line that becomes available is mailed, in Chinese to a Chinese reader; alerts off mail nothing', async () => {
    const zh = await makeAccount(t.db, 'requester');
    await t.db.update(accounts).set({ locale: 'zh' }).where(eq(accounts.id, zh.id));
    const off = await makeAccount(t.db, 'requester');
    await importText(t.pool, 'line.tsv', 'name\tcategory\tavailability\nALERT-IPSC-2\tipsc\tavailable\n');
    await s.sync();
    await saveSearch(t.db, zh.id, { name: '提醒', query: 'q=ALERT-IPSC-2' });
    const saved = await saveSearch(t.db, off.id, { name: 'off', query: 'q=ALERT-IPSC-2' });
    await checkNow();
    await setSavedSearchAlert(t.db, off.id, (saved as { id: number }).id, false);

    const batch =
      'batch_number,line,type,grade,release_status,vials_total,vials_available,vials_reserved,vials_shipped\nALERT-B-1,ALERT-IPSC-2,distribution,research,released,10,10,0,0\n';
    expect((await importText(t.pool, 'batch.csv', batch)).problems).toEqual([]);
    await s.sync();
    await checkNow();
    const mails = await mailTo(zh.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('已保存的检索“提醒”有更新');
    expect(mails[0]!.body).toContain('现已可供应（1）');
    expect(mails[0]!.body).toContain('https://cells.example.org/zh/lines/ALERT-IPSC-2');
    expect(await mailTo(off.email)).toEqual([]);
  });

  test('two checks at once (two server processes) mail a change once', async () => {
    const a = await makeAccount(t.db, 'requester');
    await saveSearch(t.db, a.id, { name: 'Twice', query: 'q=heronmodel' });
    await checkNow();
    await importText(t.pool, 'heron.tsv', 'name\tcategory\tsynonyms\nALERT-HERON-1\tipsc\theronmodel\n');
    await s.sync();
    const [one, two] = await Promise.all([checkNow(), checkNow()]);
    expect(await mailTo(a.email)).toHaveLength(1);
    expect(one.mailed + two.mailed).toBeGreaterThanOrEqual(1);
  });
});
