/** GET /api/v1/lines/{name}/citation.ris | .bib: the line's citation for reference managers. */
import type { APIRoute } from 'astro';
import { segmentAt } from '#lib/path-segments.ts';
import { lineNameParam } from '#schemas/catalog-params.ts';
import { locateLine } from '#server/catalog/catalog.ts';
import { lineApiPath } from '#server/catalog/catalog-json.ts';
import { publicOrigin } from '#server/platform/config.ts';
import { citeLine } from '#server/catalog/citation.ts';
import { jsonError } from '#server/platform/http.ts';
import { getDb } from '#server/platform/runtime.ts';

const formats = {
  ris: { type: 'application/x-research-info-systems; charset=utf-8', field: 'ris' },
  bib: { type: 'application/x-bibtex; charset=utf-8', field: 'bibtex' },
} as const;

export const GET: APIRoute = async ({ params, request }) => {
  const format = formats[params.format as keyof typeof formats];
  if (!format) return jsonError(404, 'not_found', 'Citations come as .ris or .bib.');
  // From the address as sent, decoded once (params are decoded with decodeURI: `SECTEST%2BA1` would stay encoded).
  const name = lineNameParam.safeParse(segmentAt(request, 3));
  const found = name.success ? await locateLine(getDb(), name.data) : ({ status: 'missing' } as const);
  if (found.status === 'moved')
    return new Response(null, {
      status: 308,
      headers: { Location: `${lineApiPath(found.to)}/citation.${params.format}` },
    });
  if (found.status === 'missing') return jsonError(404, 'not_found', 'No public record answers to this name.');
  const citation = citeLine(found.page, publicOrigin(), new Date());
  const file = `${found.page.name.replace(/[^A-Za-z0-9._-]/g, '_')}.${params.format}`;
  return new Response(citation[format.field], {
    headers: {
      'Content-Type': format.type,
      'Content-Disposition': `attachment; filename="${file}"`,
      'Cache-Control': 'no-store',
    },
  });
};
