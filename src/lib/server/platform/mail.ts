/**
 * Outgoing mail, through the transactional outbox (db/outbox.ts).
 *
 * `queueMail` writes the message in the caller's transaction: it leaves only
 * if the change it tells of commits, and an SMTP outage delays it instead of
 * failing the change. `deliverMail` (the worker in every server process, and
 * `npm start` before serving) sends due rows through SMTP when SMTP_URL is
 * set, else prints them to the log, so a development or test portal works
 * without a mail server (and /dev/mail lists every row).
 */
import nodemailer, { type Transporter } from 'nodemailer';
import { desc } from 'drizzle-orm';
import type pg from 'pg';
import type { Executor } from '#db/client.ts';
import {
  claimDue,
  inOutboxTransaction,
  markFailed,
  markProcessed,
  startOutboxWorker,
  type PassResult,
} from '#db/outbox.ts';
import { mailOutbox, type MailMessage } from '#db/schema/outbox.ts';
import { getConfig } from './config.ts';
import { log as serverLog } from './log.ts';

export interface Mail {
  to: string;
  subject: string;
  body: string;
}

/** Writes the message to the outbox in the caller's transaction; the worker delivers it. */
export async function queueMail(db: Executor, mail: Mail): Promise<void> {
  await db.insert(mailOutbox).values(mail);
}

export interface MailTransport {
  send(mail: Mail): Promise<void>;
}

/** SMTP when configured; otherwise the log (the whole message on a local portal, tokens masked elsewhere). */
export function createMailTransport(options: {
  smtpUrl?: string;
  from: string;
  logBodies: boolean;
  log?: (text: string) => void;
}): MailTransport {
  const { smtpUrl, from, logBodies, log = console.log } = options;
  if (smtpUrl) {
    const smtp: Transporter = nodemailer.createTransport(withTimeouts(smtpUrl));
    return {
      send: async (mail) => void (await smtp.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.body })),
    };
  }
  return {
    send: async (mail) =>
      log(`[mail] to ${mail.to}: ${mail.subject}\n${logBodies ? mail.body : redactTokens(mail.body)}\n`),
  };
}

/** A dead SMTP server must fail a delivery pass in seconds, not hang the worker. */
function withTimeouts(url: string): string {
  const u = new URL(url);
  for (const [k, v] of [
    ['connectionTimeout', '10000'],
    ['greetingTimeout', '10000'],
    ['socketTimeout', '30000'],
  ])
    if (!u.searchParams.has(k!)) u.searchParams.set(k!, v!);
  return u.toString();
}

let defaultTransport: MailTransport | undefined;
function transportFromConfig(): MailTransport {
  const config = getConfig();
  // Logs may travel beyond a developer's own machine: one-time tokens are masked there.
  defaultTransport ??= createMailTransport({
    smtpUrl: config.SMTP_URL,
    from: config.MAIL_FROM,
    logBodies: config.EMBEDDED_SERVICES && config.NODE_ENV !== 'production',
    log: (text) => serverLog.info({ mail: text }, 'mail kept in the outbox'),
  });
  return defaultTransport;
}

type MailRow = { id: string; to: string; subject: string; body: string };

/** One pass: sends up to `batchSize` due messages; stops at the first failure (the peer is likely down). */
export async function deliverMail(
  pool: pg.Pool,
  transport: MailTransport = transportFromConfig(),
  batchSize = 20,
): Promise<PassResult & { sent: number }> {
  return inOutboxTransaction(pool, async (client) => {
    const rows = await claimDue<MailRow>(client, 'mail_outbox', 'id, "to", subject, body', batchSize);
    const sent: number[] = [];
    let error: string | undefined;
    for (const row of rows) {
      try {
        await transport.send(row);
        sent.push(Number(row.id));
      } catch (e) {
        error = (e as Error).message;
        break;
      }
    }
    await markProcessed(client, 'mail_outbox', sent);
    const unsent = rows.map((r) => Number(r.id)).filter((id) => !sent.includes(id));
    if (error) await markFailed(client, 'mail_outbox', unsent, error);
    return { claimed: rows.length, sent: sent.length, failed: error !== undefined, error };
  });
}

/** Delivers until nothing is due or a pass fails. */
export async function deliverAllMail(pool: pg.Pool, transport?: MailTransport): Promise<PassResult & { sent: number }> {
  const total = { claimed: 0, sent: 0, failed: false as boolean, error: undefined as string | undefined };
  for (;;) {
    const r = await deliverMail(pool, transport);
    total.claimed += r.claimed;
    total.sent += r.sent;
    if (r.failed) return { ...total, failed: true, error: r.error };
    if (r.claimed === 0) return total;
  }
}

export function startMailWorker(
  pool: pg.Pool,
  transport?: MailTransport,
  intervalMs = 1_000,
  log?: (line: string) => void,
) {
  return startOutboxWorker({ name: 'mail', drain: () => deliverAllMail(pool, transport), intervalMs, log });
}

/** Masks the one-time tokens of account links (`?token=…`). */
export function redactTokens(text: string): string {
  return text.replace(/([?&]token=)[^\s&]+/g, '$1[redacted]');
}

export async function listOutboxMail(db: Executor, limit = 50): Promise<MailMessage[]> {
  return db.select().from(mailOutbox).orderBy(desc(mailOutbox.id)).limit(limit);
}
