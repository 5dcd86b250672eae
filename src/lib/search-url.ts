/**
 * Search state <-> query string, with no dependencies: the search island
 * ships this to the browser (the validating schema stays on the server).
 */
export const filterNames = [
  'category',
  'disease',
  'gene',
  'modification',
  'sex',
  'age_band',
  'grade',
  'availability',
  'provider',
  'country',
] as const;
export type FilterName = (typeof filterNames)[number];

export interface SearchState {
  q: string;
  filters: Record<FilterName, string[]>;
  sort: string;
  page: number;
  per_page: number;
  /** Words as typed, no facet words read as filters. */
  literal?: boolean;
}

export function emptyFilters(): Record<FilterName, string[]> {
  return Object.fromEntries(filterNames.map((n) => [n, []])) as unknown as Record<FilterName, string[]>;
}

export function stateToQuery(s: SearchState): string {
  const out = new URLSearchParams();
  if (s.q) out.set('q', s.q);
  for (const name of filterNames) for (const v of s.filters[name]) out.append(name, v);
  if (s.sort && s.sort !== 'relevance') out.set('sort', s.sort);
  if (s.page > 1) out.set('page', String(s.page));
  if (s.per_page !== 20) out.set('per_page', String(s.per_page));
  if (s.literal) out.set('literal', '1');
  const q = out.toString();
  return q ? `?${q}` : '';
}

export function queryToState(search: string): SearchState {
  const p = new URLSearchParams(search);
  const filters = emptyFilters();
  for (const name of filterNames) filters[name] = p.getAll(name).filter(Boolean);
  return {
    q: p.get('q') ?? '',
    filters,
    sort: p.get('sort') || 'relevance',
    page: Math.max(1, Number(p.get('page')) || 1),
    per_page: Math.min(100, Math.max(1, Number(p.get('per_page')) || 20)),
    literal: p.get('literal') === '1' || p.get('literal') === 'true',
  };
}

/**
 * The bad-parameter rule, for the server-rendered page and the island alike: a
 * shared link with one parameter the search refuses still shows results, without
 * that parameter, and says which part was ignored. Returns the query without it,
 * or undefined when it is not in the query (nothing to drop: the failure stands).
 */
export function dropBadParameter(search: string, parameter: string): string | undefined {
  const params = new URLSearchParams(search);
  if (!params.has(parameter)) return undefined;
  params.delete(parameter);
  return params.size ? `?${params}` : '';
}

/** Parameters with words of their own (`search.param.*`); filters are named by their facet. */
const namedParameters = ['q', 'sort', 'page', 'per_page'];

/** The ignored parameter in the reader's words, through the caller's translate function. */
export function parameterWords(name: string, t: (key: string, params?: Record<string, string>) => string): string {
  if ((filterNames as readonly string[]).includes(name)) return `${t(`facet.${name}`)} (${name})`;
  if (namedParameters.includes(name)) return t(`search.param.${name}`);
  return t('search.param.other', { name });
}
