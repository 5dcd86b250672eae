/**
 * Requests that sit unanswered are what users of other banks' systems
 * complain about most. Staff get a reminder for every request the bank has
 * held longer than REMINDER_DAYS in one state (at most one a day per request),
 * and admins an escalation after ESCALATION_DAYS (once per state). Runs from
 * `npm run notify:reminders` and on a schedule inside the server process,
 * which also lapses expired reservations.
 */
import { and, eq, inArray, isNull, lte, or } from 'drizzle-orm';
import type { Database } from '#db/client.ts';
import { accounts, staffRoles, type Role } from '#db/schema/accounts.ts';
import { requests } from '#db/schema/requests.ts';
import { getConfig } from '#server/platform/config.ts';
import { queueMail } from '#server/platform/mail.ts';
import { translator } from '#i18n/index.ts';
import { addEvent, systemCaller } from './core.ts';
import { publicOrigin } from '#server/platform/config.ts';
import { lapseExpiredReservations } from './reservations.ts';
import { holderOf } from './states.ts';

const DAY = 86_400_000;
const bankStates = (Object.keys(holderOf) as (keyof typeof holderOf)[]).filter((s) => holderOf[s] === 'bank');

export interface ReminderReport {
  reminded: number[];
  escalated: number[];
  lapsed: number[];
}

export async function sendReminders(db: Database, now = new Date()): Promise<ReminderReport> {
  const { REMINDER_DAYS, ESCALATION_DAYS } = getConfig();
  const lapsed = await lapseExpiredReservations(db, now);
  return db.transaction(async (tx) => {
    const due = await tx
      .select()
      .from(requests)
      .where(
        and(
          inArray(requests.state, bankStates),
          lte(requests.stateChangedAt, new Date(now.getTime() - REMINDER_DAYS * DAY)),
          or(isNull(requests.lastReminderAt), lte(requests.lastReminderAt, new Date(now.getTime() - DAY))),
        ),
      )
      .for('update', { skipLocked: true });
    const escalate = due.filter(
      (r) => !r.escalatedAt && r.stateChangedAt.getTime() <= now.getTime() - ESCALATION_DAYS * DAY,
    );
    const recipients = async (roles: readonly Role[]) =>
      tx
        .select({ email: accounts.email, locale: accounts.locale })
        .from(accounts)
        .where(and(inArray(accounts.role, [...roles]), eq(accounts.status, 'active')));
    const list = (rs: typeof due) =>
      rs
        .map(
          (r) =>
            `#${r.id} ${r.projectTitle} (${r.state}, ${Math.floor((now.getTime() - r.stateChangedAt.getTime()) / DAY)} d) ${publicOrigin()}/staff/requests/${r.id}`,
        )
        .join('\n');
    if (due.length) {
      for (const to of await recipients(staffRoles)) {
        const t = translator(to.locale === 'zh' ? 'zh' : 'en');
        await queueMail(tx, {
          to: to.email,
          subject: t('request.mail.reminderSubject', { count: String(due.length) }),
          body: `${t('request.mail.reminderBody', { days: String(REMINDER_DAYS) })}\n\n${list(due)}`,
        });
      }
      await tx
        .update(requests)
        .set({ lastReminderAt: now })
        .where(
          inArray(
            requests.id,
            due.map((r) => r.id),
          ),
        );
      for (const r of due)
        await addEvent(tx, {
          requestId: r.id,
          kind: 'notice',
          caller: systemCaller,
          body: 'staff reminded',
          visibleToRequester: false,
        });
    }
    if (escalate.length) {
      for (const to of await recipients(['admin'])) {
        const t = translator(to.locale === 'zh' ? 'zh' : 'en');
        await queueMail(tx, {
          to: to.email,
          subject: t('request.mail.escalationSubject', {
            count: String(escalate.length),
            days: String(ESCALATION_DAYS),
          }),
          body: list(escalate),
        });
      }
      await tx
        .update(requests)
        .set({ escalatedAt: now })
        .where(
          inArray(
            requests.id,
            escalate.map((r) => r.id),
          ),
        );
      for (const r of escalate)
        await addEvent(tx, {
          requestId: r.id,
          kind: 'notice',
          caller: systemCaller,
          body: 'escalated to admins',
          visibleToRequester: false,
        });
    }
    return { reminded: due.map((r) => r.id), escalated: escalate.map((r) => r.id), lapsed };
  });
}
