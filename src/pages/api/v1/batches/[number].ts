/** GET /api/v1/batches/{number}: a batch's public record as JSON; another case of the number redirects. */
import type { APIRoute } from 'astro';
import { translator } from '../../../../i18n/index.ts';
import { batchNumberParam } from '../../../../lib/schemas/catalog-params.ts';
import { locateBatch } from '../../../../lib/server/catalog.ts';
import { batchApiPath, batchJson, notFoundJson, publicOrigin } from '../../../../lib/server/catalog-json.ts';
import { getDb } from '../../../../lib/server/runtime.ts';

export const GET: APIRoute = async ({ params, url, redirect }) => {
  const number = batchNumberParam.safeParse(params.number);
  const found = number.success ? await locateBatch(getDb(), number.data) : ({ status: 'missing' } as const);
  if (found.status === 'moved') return redirect(batchApiPath(found.to), 308);
  if (found.status === 'missing') return Response.json(notFoundJson(translator('en')('api.notFound')), { status: 404 });
  return Response.json(batchJson(found.page, publicOrigin(url)));
};
