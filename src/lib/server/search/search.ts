/**
 * Catalog search: turns SearchParams into Meilisearch requests (one for
 * words; for a term that looks like an identifier, the prefix and exact
 * lookups first, and the words only when no name, synonym, external id or
 * batch number starts with it) and the answer into public results. Exact
 * identifiers are put first; facet counts come with the results.
 */
import type { Meilisearch, MultiSearchResult, RecordAny, SearchParams as MeiliSearchParams } from 'meilisearch';
import { indexUid } from '#search/indexes/index.ts';
import { LINES, lineFacets, type LineDocument, type LineFacet } from '#search/indexes/lines.ts';
import { filterNames, type SearchParams } from '#schemas/search-params.ts';
import { stripRegistryPrefixes, understandQuery, type KnownValues, type UnderstoodFilter } from './understand.ts';
import { suggestSpelling } from './suggest.ts';

export interface LineHit {
  name: string;
  category: string;
  diseases: string[];
  synonyms: string[];
  identifiers: string[];
  genes: string[];
  modification_types: string[];
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

/** A query to try instead when nothing matched, with how many lines it finds. */
export interface Suggestion {
  kind: 'spelling' | 'broader' | 'without_filters' | 'literal';
  q: string;
  /** Filters kept (without_filters keeps none). */
  keepFilters: boolean;
  total: number;
}

export interface SearchResult {
  hits: LineHit[];
  total: number;
  page: number;
  per_page: number;
  facets: Record<LineFacet, Record<string, number>>;
  /** Words of the query read as filters (applied as such); empty when `literal` is set. */
  understood: UnderstoodFilter[];
  /** The words actually searched, once facet words, filler and registry prefixes are out. */
  words: string;
  /** Only when nothing matched. */
  suggestions: Suggestion[];
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

/** Disease and country values the index holds: a query word filters only on a value that exists. Cached briefly per index. */
const knownCache = new Map<string, { at: number; values: Promise<KnownValues> }>();
async function knownValues(meili: Meilisearch, uid: string): Promise<KnownValues> {
  const cached = knownCache.get(uid);
  if (cached && Date.now() - cached.at < 60_000) return cached.values;
  const values = meili
    .index(uid)
    .search('', { limit: 0, facets: ['diseases', 'country', 'genes', 'provider'] })
    .then((r) => ({
      diseases: Object.keys(r.facetDistribution?.diseases ?? {}),
      countries: Object.keys(r.facetDistribution?.country ?? {}),
      genes: Object.keys(r.facetDistribution?.genes ?? {}),
      providers: Object.keys(r.facetDistribution?.provider ?? {}),
    }));
  knownCache.set(uid, { at: Date.now(), values });
  values.catch(() => knownCache.delete(uid));
  return values;
}

/**
 * Searches with the query read as a researcher means it (src/lib/server/search/understand.ts):
 * facet words become filters unless the reader has set that filter or asked for `literal`.
 * When nothing matches, says what would (spelling, fewer words, no filters).
 */
export async function searchLines(
  meili: Meilisearch,
  prefix: string,
  p: SearchParams,
  options: SearchOptions = {},
): Promise<SearchResult> {
  const uid = indexUid(prefix, LINES);
  const known = await knownValues(meili, uid);
  const understood = p.literal ? { q: stripRegistryPrefixes(p.q).trim(), filters: [] } : understandQuery(p.q, known);
  const applied = understood.filters.filter((f) => (p[f.facet] as string[]).length === 0);
  const effective = { ...p, q: understood.q } as SearchParams;
  for (const f of applied) (effective[f.facet] as string[]) = [f.value];
  const result = await runSearch(meili, uid, effective, options);
  const out: SearchResult = { ...result, understood: applied, words: understood.q, suggestions: [] };
  if (result.total === 0 && !options.withoutFacets && p.page === 1)
    out.suggestions = await suggest(meili, uid, p, effective, applied, known);
  return out;
}

async function countOf(meili: Meilisearch, uid: string, p: SearchParams): Promise<number> {
  return (await runSearch(meili, uid, { ...p, page: 1, per_page: 1 }, { withoutFacets: true })).total;
}

async function suggest(
  meili: Meilisearch,
  uid: string,
  asked: SearchParams,
  effective: SearchParams,
  applied: UnderstoodFilter[],
  known: KnownValues,
): Promise<Suggestion[]> {
  const out: Suggestion[] = [];
  const explicitFilters = filterNames.some((n) => (asked[n] as string[]).length > 0);
  const none = Object.fromEntries(filterNames.map((n) => [n, []]));
  const spelled = suggestSpelling(effective.q, known);
  if (spelled) {
    const total = await countOf(meili, uid, { ...effective, q: spelled });
    if (total > 0) out.push({ kind: 'spelling', q: spelled, keepFilters: true, total });
  }
  const words = effective.q.split(/\s+/).filter(Boolean);
  if (words.length > 1) {
    // Broader: the single word that finds most lines on its own.
    let best: Suggestion | undefined;
    for (const w of words) {
      const total = await countOf(meili, uid, { ...effective, q: w });
      if (total > 0 && (!best || total > best.total)) best = { kind: 'broader', q: w, keepFilters: true, total };
    }
    if (best) out.push(best);
  }
  if (applied.length) {
    const total = await countOf(meili, uid, { ...asked, literal: true });
    if (total > 0) out.push({ kind: 'literal', q: asked.q, keepFilters: true, total });
  }
  if (explicitFilters) {
    const total = await countOf(meili, uid, { ...asked, ...none } as SearchParams);
    if (total > 0) out.push({ kind: 'without_filters', q: asked.q, keepFilters: false, total });
  }
  return out;
}

async function runSearch(
  meili: Meilisearch,
  uid: string,
  p: SearchParams,
  options: SearchOptions = {},
): Promise<Omit<SearchResult, 'understood' | 'words' | 'suggestions'>> {
  const filter = buildFilter(p);
  const main: MeiliSearchParams & { indexUid: string } = {
    indexUid: uid,
    q: p.q,
    filter,
    facets: options.withoutFacets ? [] : Object.values(lineFacets),
    page: p.page,
    hitsPerPage: p.per_page,
    sort: sortRules[p.sort],
    attributesToRetrieve: [
      'id',
      'name',
      'category',
      'diseases',
      'synonyms',
      'identifiers',
      'genes',
      'modification_types',
      'provider',
      'country',
      'sex',
      'age_band',
      'availability',
      'grades',
      'available_vials',
      'demo',
      'synthetic',
    ],
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
  // Disjunctive facets: a filtered field counts its values as if it were not
  // filtered, so the other values stay visible and each count says how many
  // lines choosing that value (too) would show. Counted the way the answer was
  // found: as the words, or as the prefix.
  const activeFacets = options.withoutFacets ? [] : filterNames.filter((name) => (p[name] as string[]).length > 0);
  const disjunctive = (asPrefix: boolean) =>
    activeFacets.map((name) => {
      const others = buildFilter({ ...p, [name]: [] } as SearchParams);
      return {
        indexUid: uid,
        facets: [lineFacets[name]],
        limit: 0,
        ...(asPrefix
          ? { q: '', filter: [...others, [`exact_keys STARTS WITH ${quote(term)}`]] }
          : { q: p.q, filter: others, ...(main.locales ? { locales: main.locales } : {}) }),
      };
    });
  type Result = MultiSearchResult<RecordAny>;
  let ranked: Result | undefined;
  let exact: Result | undefined;
  let facetResults: Result[] = [];
  if (identifierLike) {
    // The prefix first: when it finds lines they are the answer, and the
    // full-text query (with its facets, the dearest part of a search) is not asked.
    const exactQuery =
      p.page === 1
        ? [
            {
              indexUid: uid,
              q: '',
              filter: [...filter, [`exact_keys = ${quote(term)}`]],
              limit: 5,
              attributesToRetrieve: main.attributesToRetrieve,
            },
          ]
        : [];
    const byPrefix = await meili.multiSearch({
      queries: [
        {
          ...main,
          q: '',
          filter: [...filter, [`exact_keys STARTS WITH ${quote(term)}`]],
          sort: main.sort ?? ['name:asc'],
          attributesToHighlight: [],
        },
        ...exactQuery,
        ...disjunctive(true),
      ],
    });
    const [prefixResult, ...rest] = byPrefix.results;
    exact = exactQuery.length ? rest.shift() : undefined;
    if (((prefixResult as { totalHits?: number }).totalHits ?? 0) > 0) {
      ranked = prefixResult;
      facetResults = rest;
    }
  }
  if (!ranked) {
    const asWords = await meili.multiSearch({ queries: [main, ...disjunctive(false)] });
    [ranked, ...facetResults] = asWords.results;
  }
  const facetsFiltered = new Map(
    activeFacets.map((name, i) => [name, facetResults[i]?.facetDistribution?.[lineFacets[name]] ?? {}]),
  );
  const exactIds = new Set((exact?.hits ?? []).map((h) => (h as LineDocument).id));
  const rankedHits = ranked!.hits as (LineDocument & { _formatted?: Partial<Record<string, unknown>> })[];
  const ordered = [...(exact?.hits ?? []), ...rankedHits.filter((h) => !exactIds.has((h as LineDocument).id))].slice(
    0,
    p.per_page,
  );
  const formattedById = new Map(rankedHits.map((h) => [h.id, h._formatted]));

  const facets = Object.fromEntries(
    (Object.entries(lineFacets) as [LineFacet, string][]).map(([name, attribute]) => [
      name,
      facetsFiltered.get(name) ?? ranked!.facetDistribution?.[attribute] ?? {},
    ]),
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
        modification_types: h.modification_types,
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
