/** Email verification: a one-time link mailed at registration; redeeming it activates the account. */
import type { Database, Executor } from '#db/client.ts';
import { emailVerificationTokens, type Account } from '#db/schema/accounts.ts';
import type { Locale } from '#i18n/index.ts';
import { activateAccount, createAccount, findAccountByEmail, type NewAccount } from './accounts.ts';
import { composeMail } from '#server/platform/mail-templates.ts';
import { queueMail } from '#server/platform/mail.ts';
import { noteSecurityEvent } from '#server/platform/security-events.ts';
import { issueOneTimeToken, redeemOneTimeToken } from './one-time-token.ts';
import { mailKeys, takeMailAllowance } from './throttle.ts';

export const VERIFICATION_LIFETIME_MS = 24 * 60 * 60 * 1000;

/** A page of the portal in the account's language, e.g. `/zh/verify-email?token=…`; `next` is where to go afterwards. */
export function accountLink(origin: string, locale: Locale, path: string, token?: string, next?: string): string {
  const params = new URLSearchParams();
  if (token) params.set('token', token);
  if (next && next !== '/') params.set('next', next);
  const query = params.size ? `?${params}` : '';
  return `${origin}${locale === 'zh' ? '/zh' : ''}${path}${query}`;
}

export async function sendEmailVerification(
  db: Executor,
  account: Pick<Account, 'id' | 'email' | 'locale'>,
  origin: string,
  next?: string,
): Promise<void> {
  const token = await issueOneTimeToken(db, emailVerificationTokens, account.id, VERIFICATION_LIFETIME_MS);
  await queueMail(
    db,
    composeMail(
      'verifyEmail',
      account.locale,
      account.email,
      accountLink(origin, account.locale, '/verify-email', token, next),
    ),
  );
}

/**
 * Registers a requester and mails a verification link. When the email is
 * taken, the owner gets a "you already have an account" mail instead, and the
 * caller cannot tell the difference: registration does not reveal who has an account.
 * The "already registered" mail counts against the recipient's mail limit
 * (throttle.ts) and is dropped silently past it, so repeated registrations
 * cannot flood an owner's inbox.
 */
export async function registerAccount(
  db: Database,
  input: NewAccount,
  origin: string,
  client: { ipAddress: string },
  next?: string,
  now = new Date(),
): Promise<void> {
  const mayMail = await takeMailAllowance(db, mailKeys(input.email, client.ipAddress), now);
  await db.transaction(async (tx) => {
    const account = await createAccount(tx, { ...input, role: 'requester', status: 'pending' });
    // A new account always gets its link: nobody else has been mailed at this address yet.
    if (account) return sendEmailVerification(tx, account, origin, next);
    const existing = await findAccountByEmail(tx, input.email);
    if (existing && mayMail)
      await queueMail(
        tx,
        composeMail(
          'alreadyRegistered',
          existing.locale,
          existing.email,
          accountLink(origin, existing.locale, '/forgot-password'),
        ),
      );
  });
  if (!mayMail) await noteSecurityEvent(db, 'mail.dropped', client.ipAddress, now);
}

/** Activates the account the token was issued for; false when the token is unknown, used or expired. */
export async function verifyEmailToken(db: Database, token: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const accountId = await redeemOneTimeToken(tx, emailVerificationTokens, token);
    if (!accountId) return false;
    return (await activateAccount(tx, accountId)) !== undefined;
  });
}
