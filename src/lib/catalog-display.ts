/** Small display helpers shared by the catalog pages (no server code: safe anywhere). */
import { languageTag, localizePath, type Locale } from '../i18n/index.ts';
import { requestKind, type StockAvailability } from './availability.ts';

/** `GB` -> "United Kingdom" / "英国"; unknown codes are shown as given. */
export function countryName(locale: Locale, code: string | null | undefined): string | null {
  if (!code) return null;
  try {
    return new Intl.DisplayNames([languageTag[locale]], { type: 'region' }).of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

/** Where "Request this line" leads: the requester's new-request page under /account. */
export function requestLinePath(locale: Locale, lineName: string): string {
  // The guard sends anonymous readers to sign in first and back here afterwards.
  return `${localizePath(locale, '/account/requests/new')}?line=${encodeURIComponent(lineName)}`;
}

/**
 * The request button as the stock allows it (src/lib/availability.ts): its
 * address and the message key of its words, or null when the line is not
 * distributed. Pages and the search island use this, never their own rule.
 */
export function requestLink(
  locale: Locale,
  lineName: string,
  availability: StockAvailability,
): { href: string; label: `request.${'request' | 'order' | 'enquire'}` } | null {
  const kind = requestKind(availability);
  return kind ? { href: requestLinePath(locale, lineName), label: `request.${kind}` } : null;
}
