import { defineMiddleware, sequence } from 'astro:middleware';
import { localizePath, splitLocale } from './i18n/index.ts';
import { decideAccess, requirementFor } from '#server/accounts/authorize.ts';
import { jsonError } from '#server/platform/http.ts';
import { getConfig } from '#server/platform/config.ts';
import { isDatabaseUnavailable, unavailableJson, unavailablePage, withinDeadline } from '#server/platform/outage.ts';
import { getDb, getPool } from '#server/platform/runtime.ts';
import { ensureWorkers } from '#server/workers.ts';
import { withSecurityHeaders } from '#server/platform/security-headers.ts';
import { describeError, log } from '#server/platform/log.ts';
import { cachePublicPages } from '#server/platform/page-cache.ts';
import { bodyChecks, edgeChecks, requestLog } from './edge.ts';
import {
  deleteSessionCookie,
  sessionCookieName,
  setSessionCookie,
  validateSessionToken,
} from '#server/accounts/session.ts';

/** The first request starts this process's bid for the background loops (`server/workers.ts`: one process runs them). */
const startWorkers = defineMiddleware(async (_context, next) => {
  await ensureWorkers();
  return next();
});

/** Security headers on every response rendered by the server, errors included; `no-store` for a signed-in account's. */
const securityHeaders = defineMiddleware(async (context, next) => {
  const production = getConfig().NODE_ENV === 'production';
  const response = await next();
  return withSecurityHeaders(response, {
    production,
    dev: import.meta.env.DEV,
    signedIn: Boolean(context.locals.user),
  });
});

/** `/zh/...` renders the same page as `/...`, in Chinese. */
const locale = defineMiddleware((context, next) => {
  const { locale, path } = splitLocale(context.url.pathname);
  context.locals.locale = locale;
  context.locals.pathWithoutLocale = path;
  if (locale !== 'en') {
    // From the address as sent: context.url is already decoded, and decoding `%25` twice fails (or changes the name).
    const sent = new URL(context.request.url);
    return next(new URL(splitLocale(sent.pathname).path + sent.search, context.url));
  }
  return next();
});

/** Whether PostgreSQL answers a trivial query within a second. */
async function databaseAnswers(): Promise<boolean> {
  try {
    await Promise.race([
      getPool().query('SELECT 1'),
      new Promise((_, reject) => setTimeout(() => reject(new Error('probe timeout')), 1_000).unref()),
    ]);
    return true;
  } catch {
    return false;
  }
}

/** PostgreSQL down: a clear 503 (bilingual page, or JSON with Retry-After) instead of a 500; the next request after it returns is served. */
const outage = defineMiddleware(async (context, next) => {
  const unavailable = () =>
    context.locals.pathWithoutLocale.startsWith('/api/')
      ? unavailableJson()
      : unavailablePage(context.locals.locale, context.locals.pathWithoutLocale);
  try {
    return await withinDeadline(context.request, getConfig().REQUEST_DEADLINE_MS, next(), unavailable);
  } catch (error) {
    // An error we cannot classify, while PostgreSQL does not answer a probe, is the outage too
    // (a connection dying mid-query surfaces in more shapes than the classifier knows).
    if (!isDatabaseUnavailable(error) && (await databaseAnswers())) throw error;
    // The path only, and the error without its query's parameters (they may hold the id half of a session token).
    log.warn({ path: context.url.pathname, error: describeError(error) }, 'database unavailable');
    return unavailable();
  }
});

/** Puts the signed-in account (or null) in locals; renews the cookie when the session slid forward. */
const authenticate = defineMiddleware(async (context, next) => {
  context.locals.user = null;
  context.locals.session = null;
  const production = getConfig().NODE_ENV === 'production';
  const token = context.cookies.get(sessionCookieName(production))?.value;
  if (token) {
    let result;
    try {
      result = await validateSessionToken(getDb(), token);
    } catch (error) {
      // Database down: a public page still renders, for an anonymous reader
      // (the cookie is kept); a guarded one cannot, and answers 503.
      if (!isDatabaseUnavailable(error) || requirementFor(context.locals.pathWithoutLocale)) throw error;
      return next();
    }
    if (result) {
      context.locals.user = result.user;
      context.locals.session = result.session;
      if (result.renewed) setSessionCookie(context.cookies, token, result.session.expiresAt, production);
    } else {
      deleteSessionCookie(context.cookies, production);
    }
  }
  return next();
});

/** /account, /staff and /admin (and their /api twins): sign in first, then the right role. */
const guard = defineMiddleware((context, next) => {
  const { locale, pathWithoutLocale, user } = context.locals;
  const requirement = requirementFor(pathWithoutLocale);
  if (!requirement) return next();
  const decision = decideAccess(user, requirement);
  if (decision === 'allow') return next();
  if (pathWithoutLocale.startsWith('/api/')) {
    return decision === 'sign-in'
      ? jsonError(401, 'unauthorized', 'Sign in first.')
      : jsonError(403, 'forbidden', 'Your account may not use this.');
  }
  if (decision === 'sign-in') {
    const back = localizePath(locale, pathWithoutLocale) + context.url.search;
    return context.redirect(`${localizePath(locale, '/sign-in')}?next=${encodeURIComponent(back)}`, 303);
  }
  return next(new URL('/forbidden', context.url));
});

// The edge (src/edge.ts) comes before anything that reads a body; the page cache
// (anonymous reads only) before the database is asked anything; bodyChecks after
// authenticate and guard (cookies and paths only): it needs the user to grant the
// upload limit, and keeps a form's fields for re-rendering (locals.formInput).
export const onRequest = sequence(
  requestLog,
  startWorkers,
  securityHeaders,
  locale,
  edgeChecks,
  cachePublicPages,
  outage,
  authenticate,
  guard,
  bodyChecks,
);
