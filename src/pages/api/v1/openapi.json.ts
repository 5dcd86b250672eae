import type { APIRoute } from 'astro';
import { openApiDocument } from '#server/catalog/openapi.ts';

export const GET: APIRoute = ({ url }) =>
  Response.json(openApiDocument(url.origin), { headers: { 'Cache-Control': 'public, max-age=300' } });
