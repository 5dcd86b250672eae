/**
 * What a page needs to redraw a form after a no-JavaScript post to an action:
 * the errors next to each field (translated: actions and schemas speak in
 * message keys), the error of the form as a whole, and the values typed.
 */
import { isInputError, type SafeResult } from 'astro:actions';
import type { Translate } from '../i18n/index.ts';
import { en } from '../i18n/messages/index.ts';

type Key = Parameters<Translate>[0];

/** A message is a message key, optionally with parameters as a query string: `request.error.insufficient?batch=B1&wanted=3`. */
export function translateError(t: Translate, message: string | undefined): string {
  if (!message) return t('auth.error.generic');
  const [key, query] = message.split(/\?(.*)/s) as [string, string | undefined];
  if (!(key in en)) return t('auth.error.generic');
  if (!query) return t(key as Key);
  // A parameter that is a controlled value (a request state) or itself a message key (a field's label) is shown in the reader's language.
  const params = Object.fromEntries(
    [...new URLSearchParams(query)].map(([k, v]) => [
      k,
      `request.state.${v}` in en
        ? t(`request.state.${v}` as Key)
        : /^request\.[\w.]+$/.test(v) && v in en
          ? t(v as Key)
          : v,
    ]),
  );
  return t(key as Key, params);
}

// biome-ignore lint/suspicious/noExplicitAny: any action's result
export function formState<T>(result: SafeResult<any, T> | undefined, input: Record<string, string>, t: Translate) {
  const error = result?.error;
  return {
    /** The action's data when it succeeded. */
    data: result && !result.error ? result.data : undefined,
    errors(name: string): string[] {
      if (!error || !isInputError(error)) return [];
      const fields = error.fields as Record<string, string[] | undefined>;
      return (fields[name] ?? []).map((m) => translateError(t, m));
    },
    /** An error not tied to one field (wrong password, expired link, ...). */
    formError: error && !isInputError(error) ? translateError(t, error.message) : undefined,
    code: error?.code,
    value(name: string, fallback = ''): string {
      return result?.error ? (input[name] ?? fallback) : fallback;
    },
  };
}

/** A form's `action` that posts to the action and keeps query parameters the page needs when it redraws (e.g. `token`). */
export function actionUrl(action: { toString(): string }, keep: Record<string, string>): string {
  const query = new URLSearchParams(keep);
  query.set('_action', new URLSearchParams(String(action).replace(/^\?/, '')).get('_action') ?? '');
  return `?${query}`;
}

/**
 * A throttled action (429): the message carries the seconds to wait. Sets
 * Retry-After and returns the sentence to show, or undefined otherwise.
 */
export function throttledMessage(
  error: { code?: string; message?: string } | undefined,
  response: ResponseInit & { headers: Headers },
  t: Translate,
  key: 'auth.error.throttled' | 'auth.error.tooManyRequests' = 'auth.error.throttled',
): string | undefined {
  if (error?.code !== 'TOO_MANY_REQUESTS') return undefined;
  const seconds = Number(error.message) || 900;
  response.headers.set('Retry-After', String(seconds));
  // Delays grow from one second (throttle.ts): under a minute, say the seconds.
  if (seconds < 60) return t(`${key}Seconds`, { seconds });
  return t(key, { minutes: Math.ceil(seconds / 60) });
}
