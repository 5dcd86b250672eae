/** GET /api/v1/lines/{name}: a line's public record as JSON; synonyms and identifiers redirect to the standard name. */
import type { APIRoute } from 'astro';
import { translator } from '../../../../i18n/index.ts';
import { lineNameParam } from '../../../../lib/schemas/catalog-params.ts';
import { locateLine } from '../../../../lib/server/catalog.ts';
import { lineApiPath, lineJson, notFoundJson, publicOrigin } from '../../../../lib/server/catalog-json.ts';
import { getDb } from '../../../../lib/server/runtime.ts';

export const GET: APIRoute = async ({ params, url, redirect }) => {
  const name = lineNameParam.safeParse(params.name);
  const found = name.success ? await locateLine(getDb(), name.data) : ({ status: 'missing' } as const);
  if (found.status === 'moved') return redirect(lineApiPath(found.to), 308);
  if (found.status === 'missing') return Response.json(notFoundJson(translator('en')('api.notFound')), { status: 404 });
  return Response.json(lineJson(found.page, publicOrigin(url)));
};
