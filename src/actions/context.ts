/** What every action needs from its request: who asks, from where, and the guard. */
import { ActionError, type ActionAPIContext } from 'astro:actions';
import { decideAccess, type Requirement } from '#server/accounts/authorize.ts';
import { translator } from '#i18n/index.ts';
import { getConfig } from '#server/platform/config.ts';
import { describeError, log } from '#server/platform/log.ts';
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
  return {
    ipAddress: context.locals.clientAddress ?? context.clientAddress,
    userAgent: context.request.headers.get('user-agent') ?? '',
  };
}

export function isProduction(): boolean {
  return getConfig().NODE_ENV === 'production';
}

/**
 * An error an action did not expect (a deadlock, a constraint, a bug) is
 * logged with its cause and answered with a generic message carrying the
 * request id: Astro would send the error's own message (drizzle's holds the
 * SQL and its parameters) to the caller. Over /_actions the message is the
 * sentence in the reader's language; from a page's form it is the message
 * key, which the page translates (src/lib/form-state.ts).
 */
export function unexpectedError(context: ActionAPIContext, action: string, error: unknown): ActionError {
  log.error({ action, error: describeError(error) }, 'action failed');
  const requestId = context.locals.requestId ?? '';
  if (!context.url.pathname.startsWith('/_actions/'))
    return new ActionError({
      code: 'INTERNAL_SERVER_ERROR',
      message: `error.unexpected?${new URLSearchParams({ requestId })}`,
    });
  const zh = context.locals.locale === 'zh' || /^zh\b/i.test(context.request.headers.get('accept-language') ?? '');
  return new ActionError({
    code: 'INTERNAL_SERVER_ERROR',
    message: translator(zh ? 'zh' : 'en')('error.unexpected', { requestId }),
  });
}

type ServerAction = ((this: ActionAPIContext, input: unknown) => Promise<unknown>) & {
  orThrow(this: ActionAPIContext, input: unknown): Promise<unknown>;
};

/**
 * Puts every action of `server` behind one door (src/actions/index.ts): what an
 * action throws that is not an ActionError (input errors are ActionErrors)
 * becomes `unexpectedError`. Keeps the shape Astro calls: the action itself
 * answers `{ data, error }`, `orThrow` throws.
 */
export function answerUnexpected(actions: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(actions)) {
    const action = value as ServerAction;
    const orThrow = async function (this: ActionAPIContext, input: unknown) {
      try {
        return await action.orThrow.call(this, input);
      } catch (error) {
        if (error instanceof ActionError) throw error;
        throw unexpectedError(this, name, error);
      }
    };
    const safe = async function (this: ActionAPIContext, input: unknown) {
      try {
        return { data: await orThrow.call(this, input), error: undefined };
      } catch (error) {
        return { data: undefined, error: error as ActionError };
      }
    };
    // In place: `server` stays the object literal tests/integration/authorization.test.ts reads.
    actions[name] = Object.assign(safe, { orThrow });
  }
}
