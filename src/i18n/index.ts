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
