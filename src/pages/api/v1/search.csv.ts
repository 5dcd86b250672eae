import type { APIRoute } from 'astro';
import { toCsv } from '#lib/csv.ts';
import { csvDownload, searchFailureResponse } from '#server/platform/http.ts';
import { exportSearchFromUrl } from '#server/search/export.ts';

/** The current result as CSV (up to EXPORT_MAX_ROWS lines; the rows come from server/search/export.ts). */
export const GET: APIRoute = async ({ url }) => {
  const exported = await exportSearchFromUrl(url);
  if (!exported.ok) return searchFailureResponse(exported.failure);
  return csvDownload(toCsv(exported.rows), 'stem-cell-lines.csv');
};
