/**
 * Catalog search: turns SearchParams into one Meilisearch request and the
 * answer into public results. Exact identifiers (standard name, synonym,
 * external id, batch number) are looked up in the same round trip and put
 * first; facet counts come with the results.
 */
import type { Meilisearch, SearchParams as MeiliSearchParams } from 'meilisearch';
import { indexUid } from '#search/indexes/index.ts';
import { LINES, lineFacets, type LineDocument, type LineFacet } from '#search/indexes/lines.ts';
import { filterNames, type SearchParams } from '#schemas/search-params.ts';

export interface LineHit {
  name: string;
  category: string;
  diseases: string[];
  synonyms: string[];
  identifiers: string[];
  genes: string[];
  provider: string | null;
  country: string | null;
  sex: string;
  age_band: string | null;
  availability: string;
  grades: string[];
  available_vials: number;
  demo: boolean;
  synthetic: boolean;
  /** Exact identifier match: ranked first. */
  exact: boolean;
  /** HTML-escaped text with <mark> around matched words. */
  highlight: { name: string; synonyms: string[]; diseases: string[] };
}

export interface SearchResult {
  hits: LineHit[];
  total: number;
  page: number;
  per_page: number;
  facets: Record<LineFacet, Record<string, number>>;
  processing_ms: number;
}

const PRE = '\u0002';
const POST = '\u0003';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
/** Highlight markers are control characters, so matched text is escaped before it becomes <mark>. */
function marked(s: string): string {
  return escapeHtml(s).replaceAll(PRE, '<mark>').replaceAll(POST, '</mark>');
}

function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function buildFilter(p: SearchParams): string[][] {
  const filter: string[][] = [];
  for (const name of filterNames) {
    const values = p[name] as string[];
    if (values.length) filter.push(values.map((v) => `${lineFacets[name]} = ${quote(v)}`));
  }
  return filter;
}

const sortRules: Record<SearchParams['sort'], string[] | undefined> = {
  relevance: undefined,
  name: ['name:asc'],
  '-name': ['name:desc'],
  updated: ['updated_at:desc'],
  available: ['available_vials:desc'],
};

const hasHan = (q: string) => /\p{Script=Han}/u.test(q);

export interface SearchOptions {
  /** Leave facet counts out (exports need hits only). */
  withoutFacets?: boolean;
}

export async function searchLines(meili: Meilisearch, prefix: string, p: SearchParams, options: SearchOptions = {}): Promise<SearchResult> {
  const uid = indexUid(prefix, LINES);
  const filter = buildFilter(p);
  const main: MeiliSearchParams & { indexUid: string } = {
    indexUid: uid,
    q: p.q,
    filter,
    facets: options.withoutFacets ? [] : Object.values(lineFacets),
    page: p.page,
    hitsPerPage: p.per_page,
    sort: sortRules[p.sort],
    attributesToRetrieve: ['id', 'name', 'category', 'diseases', 'synonyms', 'identifiers', 'genes', 'provider', 'country', 'sex', 'age_band', 'availability', 'grades', 'available_vials', 'demo', 'synthetic'],
    attributesToHighlight: ['name', 'synonyms', 'diseases'],
    highlightPreTag: PRE,
    highlightPostTag: POST,
    ...(hasHan(p.q) || p.lang === 'zh' ? { locales: ['cmn', 'eng'] } : {}),
  };
  const term = p.q.trim().toLowerCase();
  // Identifiers are single tokens with a digit (HPSI0114i, WA09, kolf2,
  // MCB23-00101). Such a term is looked up as a prefix of names, synonyms, ids
  // and batch numbers (when that finds lines, they are the answer) and exactly
  // (exact matches go first). Plain words cost one query only.
  const singleToken = term !== '' && !/\s/.test(term);
  const identifierLike = singleToken && /\d/.test(term) && term.length >= 2;
  const queries: (MeiliSearchParams & { indexUid: string })[] = [main];
  if (identifierLike) queries.push({ ...main, q: '', filter: [...filter, [`exact_keys STARTS WITH ${quote(term)}`]], sort: main.sort ?? ['name:asc'], attributesToHighlight: [] });
  if (identifierLike && p.page === 1) {
    queries.push({ indexUid: uid, q: '', filter: [...filter, [`exact_keys = ${quote(term)}`]], limit: 5, attributesToRetrieve: main.attributesToRetrieve });
  }
  // Disjunctive facets: a filtered field counts its values as if it were not
  // filtered, so the other values stay visible and each count says how many
  // lines choosing that value (too) would show.
  // An identifier-like term counts them both ways, as the words and as the prefix.
  const activeFacets = options.withoutFacets ? [] : filterNames.filter((name) => (p[name] as string[]).length > 0);
  for (const name of activeFacets) {
    const others = buildFilter({ ...p, [name]: [] } as SearchParams);
    queries.push({ indexUid: uid, q: p.q, filter: others, facets: [lineFacets[name]], limit: 0, ...(main.locales ? { locales: main.locales } : {}) });
    if (identifierLike) queries.push({ indexUid: uid, q: '', filter: [...others, [`exact_keys STARTS WITH ${quote(term)}`]], facets: [lineFacets[name]], limit: 0 });
  }
  const response = await meili.multiSearch({ queries });
  const [rankedResult, ...rest] = response.results;
  const prefixResult = identifierLike ? rest.shift() : undefined;
  const exact = identifierLike && p.page === 1 ? rest.shift() : undefined;
  const byPrefix = !!prefixResult && ((prefixResult as { totalHits?: number }).totalHits ?? 0) > 0;
  const ranked = byPrefix ? prefixResult : rankedResult;
  const disjunctive = new Map(
    activeFacets.map((name) => {
      const asWords = rest.shift();
      const asPrefix = identifierLike ? rest.shift() : undefined;
      return [name, (byPrefix ? asPrefix : asWords)?.facetDistribution?.[lineFacets[name]] ?? {}];
    }),
  );
  const exactIds = new Set((exact?.hits ?? []).map((h) => (h as LineDocument).id));
  const rankedHits = ranked!.hits as (LineDocument & { _formatted?: Partial<Record<string, unknown>> })[];
  const ordered = [...(exact?.hits ?? []), ...rankedHits.filter((h) => !exactIds.has((h as LineDocument).id))].slice(0, p.per_page);
  const formattedById = new Map(rankedHits.map((h) => [h.id, h._formatted]));

  const facets = Object.fromEntries(
    (Object.entries(lineFacets) as [LineFacet, string][]).map(([name, attribute]) => [name, disjunctive.get(name) ?? ranked!.facetDistribution?.[attribute] ?? {}]),
  ) as Record<LineFacet, Record<string, number>>;

  return {
    hits: (ordered as LineDocument[]).map((h) => {
      const f = formattedById.get(h.id) as { name?: string; synonyms?: string[]; diseases?: string[] } | undefined;
      return {
        name: h.name,
        category: h.category,
        diseases: h.diseases,
        synonyms: h.synonyms,
        identifiers: h.identifiers,
        genes: h.genes,
        provider: h.provider,
        country: h.country,
        sex: h.sex,
        age_band: h.age_band,
        availability: h.availability,
        grades: h.grades,
        available_vials: h.available_vials,
        demo: h.demo,
        synthetic: h.synthetic,
        exact: exactIds.has(h.id),
        highlight: {
          name: marked(f?.name ?? h.name),
          synonyms: (f?.synonyms ?? h.synonyms).map(marked),
          diseases: (f?.diseases ?? h.diseases).map(marked),
        },
      };
    }),
    total: (ranked as { totalHits?: number }).totalHits ?? ranked!.hits.length,
    page: p.page,
    per_page: p.per_page,
    facets,
    processing_ms: ranked!.processingTimeMs,
  };
}
