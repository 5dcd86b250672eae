import type { APIRoute } from 'astro';
import { queueFiltersInput } from '#schemas/request-inputs.ts';
import { jsonOk } from '#server/platform/http.ts';
import { getDb } from '#server/platform/runtime.ts';
import { staffQueue } from '#server/requests/queries.ts';

/** The review queue as JSON (staff only: the middleware guards /api/v1/staff). */
export const GET: APIRoute = async ({ url }) => {
  const filters = queueFiltersInput.parse(Object.fromEntries(url.searchParams));
  const rows = await staffQueue(getDb(), filters);
  return jsonOk({
    requests: rows.map((r) => ({
      id: r.id,
      project_title: r.projectTitle,
      state: r.state,
      holder: r.holder,
      requester: r.requester,
      institution: r.institution,
      lines: r.lines,
      age_days: r.ageDays,
      stale: r.stale,
      open_deviations: r.openDeviations,
      withdrawn_batches: r.withdrawnBatches,
      state_changed_at: r.stateChangedAt.toISOString(),
    })),
  });
};
