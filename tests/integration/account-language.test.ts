/**
 * Mail follows the reader: the account page changes the language of an
 * account's mail (set at registration from the pages it registered on), with
 * the old value kept in the audit trail; a profile form without the field
 * leaves it as it is.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { updateProfile } from '#server/accounts/accounts.ts';
import { makeAccount } from '../support/accounts.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await useTestDatabase();
});
afterAll(async () => t?.close());

test('the mail language changes on the profile, audited, and stays when the form leaves it out', async () => {
  const account = await makeAccount(t.db, 'requester');
  const localeOf = async () =>
    (await t.pool.query('SELECT locale FROM accounts WHERE id = $1', [account.id])).rows[0].locale;
  expect(await localeOf()).toBe('en');
  await updateProfile(t.db, account.id, { displayName: 'Li Wei', institution: 'PKU', country: 'CN', locale: 'zh' });
  expect(await localeOf()).toBe('zh');
  const audit = await t.pool.query(
    "SELECT before, after FROM audit_events WHERE action = 'account.profile_updated' AND entity_id = $1",
    [account.id],
  );
  expect(audit.rows[0]).toMatchObject({ before: { locale: 'en' }, after: { locale: 'zh' } });
  await updateProfile(t.db, account.id, { displayName: 'Li Wei', institution: 'PKU', country: 'CN' });
  expect(await localeOf()).toBe('zh');
});
