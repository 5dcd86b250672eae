/**
 * Outgoing mail. With SMTP_URL it goes out through nodemailer; without, every
 * message is kept in `mail_outbox` and printed to the log, so a development
 * or test portal works without a mail server (and /dev/mail lists them).
 */
import nodemailer, { type Transporter } from 'nodemailer';
import { desc } from 'drizzle-orm';
import type { Executor } from '#db/client.ts';
import { mailOutbox, type MailMessage } from '#db/schema/accounts.ts';
import { getConfig } from './config.ts';

export interface Mail {
  to: string;
  subject: string;
  body: string;
}

let transport: Transporter | undefined;

export async function sendMail(db: Executor, mail: Mail): Promise<void> {
  const { SMTP_URL, MAIL_FROM } = getConfig();
  if (SMTP_URL) {
    transport ??= nodemailer.createTransport(SMTP_URL);
    await transport.sendMail({ from: MAIL_FROM, to: mail.to, subject: mail.subject, text: mail.body });
    return;
  }
  await db.insert(mailOutbox).values(mail);
  // A local portal prints the whole message (links included) for its developer;
  // anywhere else logs may travel, so one-time tokens are masked there.
  const local = getConfig().EMBEDDED_SERVICES && getConfig().NODE_ENV !== 'production';
  const body = local ? mail.body : redactTokens(mail.body);
  console.log(`[mail] to ${mail.to}: ${mail.subject}\n${body}\n`);
}

/** Masks the one-time tokens of account links (`?token=…`). */
export function redactTokens(text: string): string {
  return text.replace(/([?&]token=)[^\s&]+/g, '$1[redacted]');
}

export async function listOutboxMail(db: Executor, limit = 50): Promise<MailMessage[]> {
  return db.select().from(mailOutbox).orderBy(desc(mailOutbox.id)).limit(limit);
}
