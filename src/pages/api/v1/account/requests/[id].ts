import type { APIRoute } from 'astro';
import { jsonError, jsonOk } from '#server/platform/http.ts';
import { getDb } from '#server/platform/runtime.ts';
import { requestDetail, requestJson } from '#server/requests/queries.ts';

/** One of the account's own requests; anyone else's is a 404, as if it did not exist. */
export const GET: APIRoute = async ({ params, locals }) => {
  const user = locals.user!;
  const id = /^\d{1,15}$/.test(params.id ?? '') ? Number(params.id) : NaN;
  const detail = Number.isFinite(id)
    ? await requestDetail(getDb(), id, { id: user.id, name: user.displayName, role: 'requester' })
    : undefined;
  if (!detail) return jsonError(404, 'not_found', 'No such request.');
  return jsonOk(requestJson(detail, true));
};
