/**
 * The current search result as rows for a CSV download (the route wraps them
 * with `csvDownload`, like the registers). Up to EXPORT_MAX_ROWS lines, read
 * page by page without facets, so a large result costs a few searches, not one
 * huge one. No HTTP here: a failure is data (a bad parameter, or search down).
 */
import { linePath } from '#server/catalog/catalog-json.ts';
import { publicOrigin } from '#server/platform/config.ts';
import type { LineHit } from './search.ts';
import { searchFromUrl, type Searched, type SearchFailure } from './search-api.ts';

export const EXPORT_MAX_ROWS = 10_000;
const EXPORT_PAGE = 1_000;

export const exportColumns = [
  'name',
  'category',
  'diseases',
  'synonyms',
  'identifiers',
  'genes',
  'provider',
  'country',
  'sex',
  'age_band',
  'availability',
  'grades',
  'available_vials',
  'demo',
  'url',
] as const;

export type SearchExport = { ok: true; rows: string[][] } | { ok: false; failure: SearchFailure };

/** One page of the search being exported (1-based), `perPage` hits. */
export type SearchPage = (page: number, perPage: number) => Promise<Searched>;

/** The header row, then one row per line of the result, at most `maxRows` of them. */
export async function collectExportRows(
  searchPage: SearchPage,
  origin: string,
  { maxRows = EXPORT_MAX_ROWS, pageSize = EXPORT_PAGE } = {},
): Promise<SearchExport> {
  const rows: string[][] = [[...exportColumns]];
  for (let page = 1; rows.length - 1 < maxRows; page++) {
    const searched = await searchPage(page, pageSize);
    if (!searched.ok) return searched;
    for (const hit of searched.result.hits) rows.push(exportRow(hit, origin));
    if (page * pageSize >= Math.min(searched.result.total, maxRows)) break;
  }
  return { ok: true, rows: rows.slice(0, maxRows + 1) };
}

/** The search named by the URL's query string (as /search and /api/v1/search read it), for export. */
export function exportSearchFromUrl(url: URL): Promise<SearchExport> {
  return collectExportRows(
    (page, perPage) => searchFromUrl(url, { page, per_page: perPage }, { withoutFacets: true }),
    publicOrigin(),
  );
}

function exportRow(h: LineHit, origin: string): string[] {
  return [
    h.name,
    h.category,
    h.diseases.join('; '),
    h.synonyms.join('; '),
    h.identifiers.join('; '),
    h.genes.join('; '),
    h.provider ?? '',
    h.country ?? '',
    h.sex,
    h.age_band ?? '',
    h.availability,
    h.grades.join('; '),
    String(h.available_vials),
    h.demo ? 'yes' : 'no',
    origin + linePath(h.name),
  ];
}
