import type { APIRoute } from 'astro';
import { jsonError, jsonOk } from '#server/platform/http.ts';
import { getDb } from '#server/platform/runtime.ts';
import { requestDetail, requestJson } from '#server/requests/queries.ts';

/** One request with its whole record, for staff. */
export const GET: APIRoute = async ({ params, locals }) => {
  const user = locals.user!;
  const id = /^\d{1,15}$/.test(params.id ?? '') ? Number(params.id) : NaN;
  const detail = Number.isFinite(id)
    ? await requestDetail(getDb(), id, { id: user.id, name: user.displayName, role: user.role })
    : undefined;
  if (!detail) return jsonError(404, 'not_found', 'No such request.');
  return jsonOk(requestJson(detail, false));
};
