/** The alert mail of a saved search, in the reader's language. */
import type { Locale } from '#i18n/index.ts';
import type { SavedSearch } from '#db/schema/saved-searches.ts';
import type { Mail } from '#server/platform/mail.ts';

const lineUrl = (origin: string, locale: Locale, name: string) =>
  `${origin}${locale === 'zh' ? '/zh' : ''}/lines/${encodeURIComponent(name)}`;

export function alertMail(a: {
  to: string;
  locale: Locale;
  search: Pick<SavedSearch, 'name' | 'query'>;
  newLines: string[];
  newlyAvailable: string[];
  origin: string;
}): Mail {
  const prefix = a.locale === 'zh' ? '/zh' : '';
  const searchUrl = `${a.origin}${prefix}/search${a.search.query ? `?${a.search.query}` : ''}`;
  const manage = `${a.origin}${prefix}/account/saved-searches`;
  const list = (names: string[]) =>
    names
      .slice(0, 50)
      .map((n) => `- ${n}: ${lineUrl(a.origin, a.locale, n)}`)
      .join('\n') + (names.length > 50 ? `\n- … (+${names.length - 50})` : '');
  if (a.locale === 'zh') {
    const parts = [
      ...(a.newLines.length ? [`新匹配的细胞系（${a.newLines.length}）：\n${list(a.newLines)}`] : []),
      ...(a.newlyAvailable.length ? [`现已可供应（${a.newlyAvailable.length}）：\n${list(a.newlyAvailable)}`] : []),
    ];
    return {
      to: a.to,
      subject: `已保存的检索“${a.search.name}”有更新`,
      body: `您在干细胞资源门户保存的检索“${a.search.name}”有新结果。\n\n${parts.join('\n\n')}\n\n查看检索：${searchUrl}\n管理提醒：${manage}`,
    };
  }
  const parts = [
    ...(a.newLines.length ? [`New lines matching (${a.newLines.length}):\n${list(a.newLines)}`] : []),
    ...(a.newlyAvailable.length ? [`Now available (${a.newlyAvailable.length}):\n${list(a.newlyAvailable)}`] : []),
  ];
  return {
    to: a.to,
    subject: `Updates to your saved search “${a.search.name}”`,
    body: `Your saved search “${a.search.name}” at the Stem Cell Resource Portal has news.\n\n${parts.join('\n\n')}\n\nSee the search: ${searchUrl}\nManage alerts: ${manage}`,
  };
}
