/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    /** The page's language, set by the middleware from the URL. */
    locale: import('./i18n/index.ts').Locale;
    /** The path without its locale prefix, e.g. `/search` for `/zh/search`. */
    pathWithoutLocale: string;
    /** The signed-in account, or null (set by the middleware from the session cookie). */
    user: import('#server/accounts/session.ts').SessionUser | null;
    session: import('#server/accounts/session.ts').SessionInfo | null;
    /** Fields a form posted to an action, without passwords and tokens, to refill the form on error. */
    formInput: Record<string, string>;
    /** The client's address: the socket's, or counted from the right of X-Forwarded-For past TRUSTED_PROXIES (src/edge.ts). */
    clientAddress: string;
    /** This request's id in the log and the X-Request-Id header (src/edge.ts). */
    requestId: string;
    /** The path asked for, without its locale prefix, still percent-encoded (src/edge.ts). */
    askedPath: string;
  }
}
