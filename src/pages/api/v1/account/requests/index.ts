import type { APIRoute } from 'astro';
import { jsonOk } from '#server/platform/http.ts';
import { getDb } from '#server/platform/runtime.ts';
import { listRequests } from '#server/requests/queries.ts';

/** The signed-in account's own requests (the middleware guards /api/v1/account). */
export const GET: APIRoute = async ({ locals }) => {
  const rows = await listRequests(getDb(), { requesterId: locals.user!.id });
  return jsonOk({
    requests: rows.map((r) => ({
      id: r.id,
      project_title: r.projectTitle,
      state: r.state,
      holder: r.holder,
      lines: r.lines,
      state_changed_at: r.stateChangedAt.toISOString(),
    })),
  });
};
