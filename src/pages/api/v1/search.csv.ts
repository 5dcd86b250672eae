import type { APIRoute } from 'astro';
import { searchFailureResponse } from '#server/platform/http.ts';
import { searchFromUrl } from '#server/search/search-api.ts';
import { toCsv } from '#lib/csv.ts';
import { linePath } from '#server/catalog/catalog-json.ts';
import { publicOrigin } from '#server/platform/config.ts';

/** The current result as CSV, up to 10,000 rows: at most 10 searches of 1,000, without facets. */
const MAX_ROWS = 10_000;
const PAGE = 1_000;

export const GET: APIRoute = async ({ url }) => {
  const rows: string[][] = [
    [
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
    ],
  ];
  for (let page = 1; rows.length - 1 < MAX_ROWS; page++) {
    const searched = await searchFromUrl(url, { page, per_page: PAGE }, { withoutFacets: true });
    if (!searched.ok) return searchFailureResponse(searched.failure);
    for (const h of searched.result.hits) {
      rows.push([
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
        publicOrigin() + linePath(h.name),
      ]);
    }
    if (page * PAGE >= Math.min(searched.result.total, MAX_ROWS)) break;
  }
  return new Response(toCsv(rows.slice(0, MAX_ROWS + 1)), {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': 'attachment; filename="stem-cell-lines.csv"',
      'Cache-Control': 'no-store',
    },
  });
};
