/** The bad-parameter rule, as both the /search page and the island apply it. */
import { describe, expect, test } from 'vitest';
import { translator } from '#i18n/index.ts';
import { dropBadParameter, parameterWords, queryToState } from '#lib/search-url.ts';

describe('a bad parameter in a shared link', () => {
  test('is dropped, every value of it, and the rest of the search stands', () => {
    expect(dropBadParameter('?q=als&grade=bogus&grade=x&category=hesc', 'grade')).toBe('?q=als&category=hesc');
    expect(queryToState(dropBadParameter('?q=als&sort=nonsense&page=3', 'sort')!)).toMatchObject({
      q: 'als',
      sort: 'relevance',
      page: 3,
    });
    expect(dropBadParameter('?grade=bogus', 'grade')).toBe('');
  });

  test('a parameter the query does not hold is not dropped: the failure stands (no endless retry)', () => {
    expect(dropBadParameter('?q=als', 'lang')).toBeUndefined();
  });

  test('is named in the reader’s words, a filter by its facet, in both languages', () => {
    const en = translator('en');
    const words = (name: string) => parameterWords(name, (k, p) => en(k as 'search.param.q', p));
    expect(words('grade')).toBe(`${en('facet.grade')} (grade)`);
    expect(words('per_page')).toBe(en('search.param.per_page'));
    expect(words('colour')).toBe(en('search.param.other', { name: 'colour' }));
    const zh = translator('zh');
    expect(parameterWords('sort', (k, p) => zh(k as 'search.param.q', p))).toBe(zh('search.param.sort'));
  });
});
