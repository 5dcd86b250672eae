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

/**
 * Where "Request this line" leads. Requests need an account, and the request
 * form does not exist yet: send people through sign-in, which returns them to
 * the form. One place to change when requests land.
 */
export function requestLinePath(locale: Locale, lineName: string): string {
  const form = `${localizePath(locale, '/requests/new')}?line=${encodeURIComponent(lineName)}`;
  return `${localizePath(locale, '/sign-in')}?next=${encodeURIComponent(form)}`;
}
