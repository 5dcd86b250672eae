/** Password reset by mail: a single-use link valid for an hour; using it ends every session. */
import type { Database } from '#db/client.ts';
import { passwordResetTokens } from '#db/schema/accounts.ts';
import { activateAccount, findAccountByEmail, setPassword } from './accounts.ts';
import { accountLink } from './email-verification.ts';
import { composeMail } from '#server/platform/mail-templates.ts';
import { queueMail } from '#server/platform/mail.ts';
import { noteSecurityEvent } from '#server/platform/security-events.ts';
import { issueOneTimeToken, redeemOneTimeToken } from './one-time-token.ts';
import { mailKeys, takeMailAllowance } from './throttle.ts';

export const RESET_LIFETIME_MS = 60 * 60 * 1000;

/**
 * Mails a reset link when the account exists; the caller answers the same
 * either way. Past the mail limits (per typed address and per client address,
 * throttle.ts) the request is dropped without a word and without a new token:
 * the owner is never refused, and the link of the last mail sent still works.
 */
export async function requestPasswordReset(
  db: Database,
  email: string,
  origin: string,
  client: { ipAddress: string },
  now = new Date(),
): Promise<void> {
  if (!(await takeMailAllowance(db, mailKeys(email, client.ipAddress), now))) {
    await noteSecurityEvent(db, 'mail.dropped', client.ipAddress, now);
    return;
  }
  await db.transaction(async (tx) => {
    const account = await findAccountByEmail(tx, email);
    if (!account || account.status === 'disabled') return;
    const token = await issueOneTimeToken(tx, passwordResetTokens, account.id, RESET_LIFETIME_MS);
    await queueMail(
      tx,
      composeMail(
        'resetPassword',
        account.locale,
        account.email,
        accountLink(origin, account.locale, '/reset-password', token),
      ),
    );
  });
}

/** Sets the new password; false when the token is unknown, used or expired. */
export async function resetPassword(db: Database, token: string, newPassword: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const accountId = await redeemOneTimeToken(tx, passwordResetTokens, token);
    if (!accountId) return false;
    await setPassword(tx, accountId, newPassword, { actor: accountId, action: 'account.password_reset' });
    // The link reached the mailbox, which is all that verification proves.
    await activateAccount(tx, accountId);
    return true;
  });
}
