/**
 * What the portal answers while a service it needs is down: a clear 503
 * (bilingual page, or the API's JSON error shape) with Retry-After, instead
 * of a 500 with an empty body. Nothing here holds state: the next request
 * after PostgreSQL returns is served normally (the pg Pool reconnects).
 */
import { languageTag, locales, translator, type Locale } from '#i18n/index.ts';
import { jsonError } from './http.ts';

/** Seconds a client should wait before trying again. */
export const RETRY_AFTER_S = 10;

/** Socket-level failures: the server is not there, or went away mid-query. */
const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/**
 * PostgreSQL SQLSTATEs meaning "the server cannot serve now": connection
 * exceptions (08…), shutdown and start-up (57P01-57P03), too many connections,
 * and transient conflicts a retry resolves (deadlock 40P01, serialization
 * 40001: seen on plain reads while the server shuts down under traffic),
 * and a statement the server cancelled at `statement_timeout` (57014).
 */
const postgresCodes = /^(08...|57P0[1-3]|57014|53300|40P01|40001)$/;
const pgMessages =
  /Query read timeout|Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|is not queryable|Connection is closed|the database system is (starting up|shutting down|not yet accepting connections|in recovery mode)/i;

/**
 * Whether an error (or any error it wraps: drizzle's DrizzleQueryError keeps
 * pg's in `cause`, Node's connect keeps one per address in `errors`) means
 * the database is unreachable, as opposed to a bug or a bad query.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const e = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && (networkCodes.has(e.code) || postgresCodes.test(e.code))) return true;
  if (typeof e.message === 'string' && pgMessages.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}

export function unavailableJson(): Response {
  const response = jsonError(503, 'service_unavailable', translator('en')('outage.api'));
  response.headers.set('Retry-After', String(RETRY_AFTER_S));
  return response;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A self-contained page (no layout, no database, no stylesheet, no script)
 * in both languages, the reader's first: it must render when nothing else can.
 */
export function unavailablePage(locale: Locale, path: string): Response {
  const order = [locale, ...locales.filter((l) => l !== locale)];
  const sections = order
    .map((l) => {
      const t = translator(l);
      const href = escapeHtml(l === 'en' ? path : path === '/' ? '/zh/' : `/zh${path}`);
      return `<section lang="${languageTag[l]}"><h1>${t('outage.title')}</h1><p>${t('outage.body')}</p><p><a href="${href}">${t('outage.retry')}</a></p></section>`;
    })
    .join('\n<hr>\n');
  const t = translator(locale);
  const html = `<!doctype html>\n<html lang="${languageTag[locale]}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${t('outage.title')} · ${t('site.name')}</title></head><body><main>\n${sections}\n</main></body></html>\n`;
  return new Response(html, {
    status: 503,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Retry-After': String(RETRY_AFTER_S),
    },
  });
}

/**
 * The per-request deadline: a reader gets an answer (the 503 of `late()`)
 * after `ms` whatever is still waiting below (the query and Meilisearch
 * timeouts normally answer first). Only reads: an upload or a signed step
 * must finish or fail on its own, never be reported lost while it commits.
 */
export async function withinDeadline(
  request: Request,
  ms: number,
  work: Promise<Response>,
  late: () => Response,
): Promise<Response> {
  if (ms <= 0 || (request.method !== 'GET' && request.method !== 'HEAD')) return work;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Response>((resolve) => {
    timer = setTimeout(() => resolve(late()), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
