/** Password reset by mail: a single-use link valid for an hour; using it ends every session. */
import type { Database } from '#db/client.ts';
import { passwordResetTokens } from '#db/schema/accounts.ts';
import { activateAccount, findAccountByEmail, setPassword } from './accounts.ts';
import { accountLink } from './email-verification.ts';
import { composeMail } from '#server/platform/mail-templates.ts';
import { queueMail } from '#server/platform/mail.ts';
import { issueOneTimeToken, redeemOneTimeToken } from './one-time-token.ts';

export const RESET_LIFETIME_MS = 60 * 60 * 1000;

/** Mails a reset link when the account exists; the caller answers the same either way. */
export async function requestPasswordReset(db: Database, email: string, origin: string): Promise<void> {
  await db.transaction(async (tx) => {
    const account = await findAccountByEmail(tx, email);
    if (!account || account.status === 'disabled') return;
    const token = await issueOneTimeToken(tx, passwordResetTokens, account.id, RESET_LIFETIME_MS);
    await queueMail(tx, composeMail('resetPassword', account.locale, account.email, accountLink(origin, account.locale, '/reset-password', token)));
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
