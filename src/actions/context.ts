/** What every action needs from its request: who asks, from where, and the guard. */
import { ActionError, type ActionAPIContext } from 'astro:actions';
import { decideAccess, type Requirement } from '#server/accounts/authorize.ts';
import { configuredOrigin, getConfig } from '#server/platform/config.ts';
import type { SessionUser } from '#server/accounts/session.ts';

/** The signed-in account when it meets the requirement; 401 or 403 otherwise (also through /_actions/<name>). */
export function requireUser(context: ActionAPIContext, requirement: Requirement): SessionUser {
  const user = context.locals.user;
  const decision = decideAccess(user, requirement);
  if (decision === 'sign-in') throw new ActionError({ code: 'UNAUTHORIZED', message: 'sign in required' });
  if (decision === 'forbidden') throw new ActionError({ code: 'FORBIDDEN', message: 'forbidden' });
  return user!;
}

export function clientOf(context: ActionAPIContext) {
  // Resolved by the edge middleware (TRUSTED_PROXIES); Astro's own clientAddress may be a forwarded header's first value.
  return { ipAddress: context.locals.clientAddress ?? context.clientAddress, userAgent: context.request.headers.get('user-agent') ?? '' };
}

/** The origin links in mail point to: PUBLIC_URL, else the configured HOST:PORT; never the request's Host. */
export function publicOrigin(_context: ActionAPIContext): string {
  return configuredOrigin(getConfig());
}

export function isProduction(): boolean {
  return getConfig().NODE_ENV === 'production';
}
