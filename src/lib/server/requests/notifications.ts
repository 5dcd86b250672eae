/**
 * The mails of the request chain, in the requester's language: each says what
 * happened and what happens next, and links to the request. They go through
 * the mail outbox in the transaction of the change they tell of.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { Executor } from '#db/client.ts';
import { accounts, staffRoles } from '#db/schema/accounts.ts';
import type { RequestState } from '#db/schema/requests.ts';
import { translator, type Locale } from '#i18n/index.ts';
import { publicOrigin } from '#server/platform/config.ts';
import { queueMail } from '#server/platform/mail.ts';

export function requestLink(locale: Locale, requestId: number): string {
  return `${publicOrigin()}${locale === 'zh' ? '/zh' : ''}/account/requests/${requestId}`;
}

export function asLocale(value: string): Locale {
  return value === 'zh' ? 'zh' : 'en';
}

/** A state change that concerns the requester: what happened, what happens next. */
export async function notifyStateChange(
  tx: Executor,
  request: { id: number; projectTitle: string },
  requester: { email: string; locale: string },
  to: RequestState,
  comment?: string | null,
): Promise<void> {
  const locale = asLocale(requester.locale);
  const t = translator(locale);
  const title = request.projectTitle || `#${request.id}`;
  const lines = [
    t('request.mail.happened', { id: String(request.id), title, state: t(`request.state.${to}`) }),
    '',
    t(`request.next.${to}`),
    ...(comment ? ['', t('request.mail.comment'), comment] : []),
    '',
    t('request.mail.link'),
    requestLink(locale, request.id),
  ];
  await queueMail(tx, {
    to: requester.email,
    subject: t('request.mail.subject', { id: String(request.id), state: t(`request.state.${to}`) }),
    body: lines.join('\n'),
  });
}

/** A notice to every active staff member, each in their own language (submissions, the official's answer). */
export async function mailStaff(
  tx: Executor,
  compose: (t: ReturnType<typeof translator>, locale: Locale) => { subject: string; body: string },
): Promise<void> {
  const staff = await tx
    .select({ email: accounts.email, locale: accounts.locale })
    .from(accounts)
    .where(and(inArray(accounts.role, staffRoles), eq(accounts.status, 'active')));
  for (const to of staff) await notify(tx, to, compose);
}

/** A plain notice (message from staff, recall, reminder) in the recipient's language. */
export async function notify(
  tx: Executor,
  to: { email: string; locale: string },
  compose: (t: ReturnType<typeof translator>, locale: Locale) => { subject: string; body: string },
) {
  const locale = asLocale(to.locale);
  await queueMail(tx, { to: to.email, ...compose(translator(locale), locale) });
}
