/**
 * The middleware of the HTTP edge (src/middleware.ts puts them in the chain):
 * a request id and an access log line for every request; the client's
 * address, input no service should see in the address, and the rate limits of
 * the public API; then, before anything parses a body, the body limit and the
 * shape of an action's body. The rules themselves live in
 * src/lib/server/platform/edge.ts.
 */
import { randomUUID } from 'node:crypto';
import type { APIContext, MiddlewareNext } from 'astro';
import { defineMiddleware } from 'astro:middleware';
import { splitLocale } from '#i18n/index.ts';
import { getConfig } from '#server/platform/config.ts';
import { getPool } from '#server/platform/runtime.ts';
import {
  badInputMessages,
  bodyLimitFor,
  bodyTooLarge,
  clientAddressFrom,
  EdgeLimits,
  findBadAddress,
  inspectBody,
  postsToAction,
  type BadInput,
} from '#server/platform/edge.ts';
import { jsonError } from '#server/platform/http.ts';
import { describeError, log, requestContext, safePath } from '#server/platform/log.ts';

/** A request id (also the X-Request-Id response header) on every log line of the request, and one access line. */
export const requestLog = defineMiddleware(async (context, next) => {
  // A page's Astro.rewrite runs the chain again, with the same locals: one request, one id, one line.
  if (context.locals.requestId) return next();
  const requestId = randomUUID();
  context.locals.requestId = requestId;
  // As sent: context.url is decoded (`%5C` would already be a backslash).
  context.locals.askedPath = splitLocale(new URL(context.request.url).pathname).path;
  return requestContext.run({ requestId }, async () => {
    const started = performance.now();
    let response: Response;
    try {
      response = await next();
    } catch (error) {
      log.error(
        { error: describeError(error), method: context.request.method, ...safePath(new URL(context.request.url)) },
        'request failed',
      );
      throw error;
    }
    response.headers.set('X-Request-Id', requestId);
    log.info(
      {
        method: context.request.method,
        ...safePath(new URL(context.request.url)),
        status: response.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
    return response;
  });
});

let limits: EdgeLimits | undefined;

/** The API answers errors in JSON (so do actions called over HTTP); pages in the reader's language. */
const speaksJson = (path: string) => path.startsWith('/api/') || path.startsWith('/_actions/');

/**
 * Runs after the locale middleware (which reads no body), so error pages come
 * in the address's language: the client's address, input in the address no
 * page should see, and the API's budgets. Bodies are bodyChecks' business.
 */
export const edgeChecks = defineMiddleware(async (context, next) => {
  // Checked once: a page's rewrite runs the chain again.
  if (context.locals.clientAddress !== undefined) return next();
  const config = getConfig();
  const path = context.locals.pathWithoutLocale;
  const json = speaksJson(path);

  context.locals.clientAddress = clientAddressFrom(
    context.request.headers.get('x-forwarded-for'),
    context.clientAddress,
    config.TRUSTED_PROXIES,
  );

  const bad = findBadAddress(new URL(context.request.url));
  if (bad) return refuse(context, next, json, bad);

  // The largest body anyone may send here, refused before anything waits on the
  // database: every 413 but the one upload action's goes out at once, with
  // little of the body received. Who may use the upload allowance (staff) is
  // decided after authenticate, in bodyChecks.
  const ceiling = bodyLimitFor(context.url, path, config.MAX_BODY_BYTES, { role: 'staff' });
  if (await bodyTooLarge(context.request, ceiling)) return tooLarge(context, next, json, ceiling);

  // Every method counts: a HEAD runs the same export as a GET (the body is only dropped at the end).
  if (path.startsWith('/api/v1/')) {
    limits ??= new EdgeLimits(config, getPool());
    const csv = path === '/api/v1/search.csv';
    const wait = csv
      ? await limits.takeCsv(context.locals.clientAddress)
      : await limits.takeApi(context.locals.clientAddress);
    if (wait > 0)
      return withStatus(
        jsonError(429, 'rate_limited', `Too many requests; try again in ${wait} s.`, { retryAfter: wait }),
        429,
        { 'Retry-After': String(wait) },
      );
    if (csv) {
      const exported = await limits.withExportSlot(() => next());
      if (exported) return exported;
      return withStatus(
        jsonError(429, 'busy', 'Too many exports are running; try again in a few seconds.', { retryAfter: 5 }),
        429,
        { 'Retry-After': '5' },
      );
    }
  }
  return next();
});

/**
 * The body of a request, before anything parses it; runs after `authenticate`
 * (which reads only the cookie), so the one upload action's larger limit is
 * granted to signed-in staff, decided before a byte of the body is read. A
 * body over its limit gets 413 unread; an action's body is read once, as a
 * stream with limits on fields and sizes (`inspectBody`), and its text fields
 * are kept for re-rendering the form (passwords and tokens excepted).
 */
export const bodyChecks = defineMiddleware(async (context, next) => {
  if (context.locals.formInput !== undefined) return next();
  context.locals.formInput = {};
  const config = getConfig();
  const path = context.locals.pathWithoutLocale;
  const json = speaksJson(path);

  const limit = bodyLimitFor(context.url, path, config.MAX_BODY_BYTES, context.locals.user);
  if (await bodyTooLarge(context.request, limit)) return tooLarge(context, next, json, limit);

  if (!postsToAction(context.request, context.url, path)) return next();
  const { bad, field, fields } = await inspectBody(context.request);
  if (bad) {
    // Within the limit, so cheap to read off: a connection closed on unread bytes is reset, and the client may lose the answer.
    await discardBody(context.request);
    return refuse(context, next, json, bad, field);
  }
  for (const [name, value] of fields) if (!/password|token/i.test(name)) context.locals.formInput[name] = value;
  return next();
});

/** 413: the rest of the body is never read into memory (Node discards what still arrives). */
async function tooLarge(context: APIContext, next: MiddlewareNext, json: boolean, limit: number): Promise<Response> {
  const response = json
    ? jsonError(413, 'payload_too_large', `The request body is larger than ${limit} bytes.`)
    : await next(new URL(`/bad-request?reason=too-large`, context.url));
  return withStatus(response, 413);
}

/** 400: as JSON under /api and /_actions, else the bad-request page in the address's language. */
async function refuse(
  context: APIContext,
  next: MiddlewareNext,
  json: boolean,
  bad: BadInput,
  field?: string,
): Promise<Response> {
  const message = field === undefined ? badInputMessages[bad] : `${field}: ${badInputMessages[bad]}`;
  if (json) return jsonError(400, 'bad_request', message, field === undefined ? {} : { field });
  // The page, as a GET: the refused body is not carried into the rewrite (it may be read already).
  const page = new Request(new URL('/bad-request', context.url), { headers: context.request.headers });
  return withStatus(await next(page), 400);
}

async function discardBody(request: Request): Promise<void> {
  try {
    const reader = request.body?.getReader();
    if (reader) while (!(await reader.read()).done);
  } catch {
    // The client went away: nothing to answer.
  }
}

function withStatus(response: Response, status: number, headers: Record<string, string> = {}): Response {
  const out = new Response(response.body, { status, headers: response.headers });
  for (const [k, v] of Object.entries(headers)) out.headers.set(k, v);
  return out;
}
