import type { APIRoute } from 'astro';
import { jsonError } from '#server/platform/http.ts';

/** Anything else under /api/v1 is a JSON 404, never an HTML page. */
export const ALL: APIRoute = ({ url }) =>
  jsonError(404, 'not_found', `No API endpoint at ${url.pathname}; see /api/v1/openapi.json`);
