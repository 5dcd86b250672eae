import { describe, expect, test } from 'vitest';
import { en, zh as zhCN } from '#i18n/messages/index.ts';
import { formatDateTime, localizePath, splitLocale, translator } from '#i18n/index.ts';

describe('i18n', () => {
  test('every English string has a non-empty Chinese twin', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
    for (const [key, value] of Object.entries(zhCN)) expect(value.trim(), key).not.toBe('');
  });

  test('placeholders survive translation', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(names(zhCN[key]), key).toEqual(names(en[key]));
    }
    expect(translator('zh')('search.hint', { q: 'WA09' })).toContain('WA09');
  });

  test('paths move between languages and back', () => {
    expect(splitLocale('/zh/search')).toEqual({ locale: 'zh', path: '/search' });
    expect(splitLocale('/zh')).toEqual({ locale: 'zh', path: '/' });
    expect(splitLocale('/zhongshan')).toEqual({ locale: 'en', path: '/zhongshan' });
    expect(localizePath('zh', '/')).toBe('/zh/');
    expect(localizePath('zh', '/lines/WAe009-A')).toBe('/zh/lines/WAe009-A');
    expect(localizePath('en', '/search')).toBe('/search');
  });
});

test("one date format for pages: the reader's language, the time zone named, a day alone when asked", () => {
  const at = new Date('2026-12-04T06:55:00Z');
  expect(formatDateTime(at, 'en')).toBe('4 Dec 2026, 06:55 UTC');
  expect(formatDateTime(at, 'zh')).toMatch(/^2026年12月4日 .*06:55/);
  expect(formatDateTime(at, 'zh')).toContain('UTC');
  expect(formatDateTime('2026-12-04T23:30:00Z', 'en', { dateOnly: true })).toBe('4 Dec 2026');
});
