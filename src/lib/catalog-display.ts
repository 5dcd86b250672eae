/** Small display helpers shared by the catalog pages (no server code: safe anywhere). */
import { languageTag, localizePath, type Locale } from '../i18n/index.ts';

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
