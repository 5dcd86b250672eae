/**
 * Two languages: English at `/...`, Simplified Chinese at `/zh/...`.
 * The middleware strips the `/zh` prefix and rewrites to the same page, so
 * every page exists once and reads its locale from `Astro.locals.locale`.
 */
import { en, zh, type MessageKey, type Messages } from './messages/index.ts';

export const locales = ['en', 'zh'] as const;
export type Locale = (typeof locales)[number];

const catalogs: Record<Locale, Messages> = { en, zh };

/** BCP 47 tags for `<html lang>` and Intl. */
export const languageTag: Record<Locale, string> = { en: 'en', zh: 'zh-CN' };

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translator(locale: Locale): Translate {
  const messages = catalogs[locale];
  return (key, params) => {
    const text = messages[key];
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
  };
}

/** Splits `/zh/search` into `{ locale: 'zh', path: '/search' }`. */
export function splitLocale(pathname: string): { locale: Locale; path: string } {
  if (pathname === '/zh' || pathname.startsWith('/zh/')) {
    return { locale: 'zh', path: pathname.slice(3) || '/' };
  }
  return { locale: 'en', path: pathname };
}

/** The address of `path` (no locale prefix) in `locale`. */
export function localizePath(locale: Locale, path: string): string {
  if (locale === 'en') return path;
  return path === '/' ? '/zh/' : `/zh${path}`;
}

export type { MessageKey };

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The one way a page shows a moment: in the reader's language, with the time
 * zone named (UTC, the zone of every stored record), so a printed record is
 * never ambiguous. Exports keep ISO 8601. `dateOnly` for a day.
 */
export function dateTimeFormat(locale: Locale, options: { dateOnly?: boolean } = {}): Intl.DateTimeFormat {
  const key = `${locale}:${options.dateOnly ? 'date' : 'time'}`;
  let format = formatters.get(key);
  if (!format) {
    const tag = locale === 'zh' ? 'zh-CN' : 'en-GB';
    format = options.dateOnly
      ? new Intl.DateTimeFormat(tag, { dateStyle: 'medium', timeZone: 'UTC' })
      : new Intl.DateTimeFormat(tag, {
          year: 'numeric',
          month: 'short',
          day: 'numeric',
          hour: '2-digit',
          minute: '2-digit',
          timeZone: 'UTC',
          timeZoneName: 'short',
        });
    formatters.set(key, format);
  }
  return format;
}

/** A moment as pages show it (see `dateTimeFormat`). */
export function formatDateTime(value: Date | string, locale: Locale, options: { dateOnly?: boolean } = {}): string {
  return dateTimeFormat(locale, options).format(typeof value === 'string' ? new Date(value) : value);
}
