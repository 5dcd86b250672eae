/**
 * The OpenAPI 3.1 description of the public JSON API, served at
 * /api/v1/openapi.json. Parameter enums come from the same lists the
 * validating schemas use, so the document cannot drift from the code.
 */
import { grades } from '#db/schema/batches.ts';
import { lineCategories, modificationTypes, sexes } from '#db/schema/catalog.ts';
import { stockAvailabilities } from '#lib/availability.ts';
import { sorts } from '#schemas/search-params.ts';
import { requestStates, useCategories } from '#db/schema/requests.ts';
import { version } from '#server/platform/version.ts';

const repeatable = (name: string, description: string, values?: readonly string[]) => ({
  name,
  in: 'query',
  description: `${description} Repeat the parameter to combine values with OR; different parameters combine with AND. Every value of the \`${name}\` facet is accepted.`,
  required: false,
  explode: true,
  schema: { type: 'array', items: values ? { type: 'string', enum: [...values] } : { type: 'string' } },
});

const error = {
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    parameter: { type: 'string', description: 'The parameter at fault (400 only).' },
  },
};

const lineHit = {
  type: 'object',
  properties: {
    name: { type: 'string', description: 'Standard name (hPSCreg where there is one).' },
    category: { type: 'string', enum: [...lineCategories] },
    diseases: { type: 'array', items: { type: 'string' } },
    synonyms: { type: 'array', items: { type: 'string' } },
    identifiers: { type: 'array', items: { type: 'string' } },
    genes: { type: 'array', items: { type: 'string' } },
    provider: { type: ['string', 'null'] },
    country: { type: ['string', 'null'] },
    sex: { type: 'string', enum: [...sexes] },
    age_band: { type: ['string', 'null'] },
    availability: {
      type: 'string',
      enum: [...stockAvailabilities],
      description: 'Derived from the stock: `available` only when a released batch has vials.',
    },
    grades: { type: 'array', items: { type: 'string', enum: [...grades] } },
    available_vials: { type: 'integer' },
    demo: { type: 'boolean', description: 'Demonstration data, not a real holding.' },
    synthetic: { type: 'boolean' },
    exact: { type: 'boolean', description: 'The query is exactly one of this line’s names or identifiers.' },
    highlight: { type: 'object', description: 'HTML-escaped text with <mark> around matched words.' },
  },
};

export function openApiDocument(origin: string) {
  const searchParameters = [
    {
      name: 'q',
      in: 'query',
      description:
        'Words, typo-tolerant, in English or Chinese; or an identifier (standard name, synonym, Cellosaurus, BioSamples, catalogue or batch number).',
      schema: { type: 'string', maxLength: 200 },
    },
    repeatable('category', 'Cell type.', lineCategories),
    repeatable('disease', 'Disease (English name as in the `disease` facet).'),
    repeatable('gene', 'Gene symbol of a genetic modification.'),
    repeatable('modification', 'Type of genetic modification.', modificationTypes),
    repeatable('sex', 'Donor sex.', sexes),
    repeatable('age_band', 'Donor age band, such as 45-49.'),
    repeatable('grade', 'Grade of a released batch.', grades),
    repeatable(
      'availability',
      'Availability of the line, derived from the stock (`available`: a released batch has vials).',
      stockAvailabilities,
    ),
    repeatable('provider', 'Provider or bank.'),
    repeatable('country', 'Country (ISO 3166-1 alpha-2).'),
    { name: 'sort', in: 'query', schema: { type: 'string', enum: [...sorts], default: 'relevance' } },
    { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 1 } },
    { name: 'per_page', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
    { name: 'lang', in: 'query', schema: { type: 'string', enum: ['en', 'zh'], default: 'en' } },
    {
      name: 'literal',
      in: 'query',
      description:
        '`1`: search the words as typed; otherwise words naming a facet value (cell type, sex, grade, country, disease) act as filters.',
      schema: { type: 'string', enum: ['0', '1'], default: '0' },
    },
  ];
  const notFound = { description: 'Unknown', content: { 'application/json': { schema: error } } };
  const redirect = { description: 'A synonym, identifier or case variant: redirect to the standard name.' };
  const unauthorized = { description: 'Not signed in', content: { 'application/json': { schema: error } } };
  const forbidden = { description: 'The account may not use this', content: { 'application/json': { schema: error } } };
  const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
  const registerParams = [
    { name: 'from', in: 'query', required: true, schema: { type: 'string', format: 'date' } },
    { name: 'to', in: 'query', required: true, schema: { type: 'string', format: 'date' } },
    {
      name: 'lang',
      in: 'query',
      schema: { type: 'string', enum: ['en', 'zh'], default: 'en' },
      description: 'Language of the column headers.',
    },
  ];
  const requestSchema = {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      state: { type: 'string', enum: [...requestStates] },
      holder: { type: 'string', enum: ['requester', 'bank', 'official', 'nobody'] },
      use_category: { type: 'string', enum: [...useCategories] },
      items: { type: 'array', items: { type: 'object' } },
      agreements: { type: 'array', items: { type: 'object' } },
      signatures: { type: 'array', items: { type: 'object' } },
      timeline: { type: 'array', items: { type: 'object' } },
      outbound: { type: 'array', items: { type: 'object' } },
      transport: { type: ['object', 'null'] },
      deviations: { type: 'array', items: { type: 'object' } },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Stem Cell Resource Portal API',
      version,
      description:
        'Public, read-only access to the catalog of human stem cell lines and batches (no key needed), and, for signed-in accounts, their own requests (staff: the review queue and registers). Staff-only fields (storage locations, donor codes) are never part of any public answer.',
    },
    servers: [{ url: origin }],
    components: {
      securitySchemes: {
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'session',
          description: 'The session cookie of a signed-in account (`__Host-session` in production).',
        },
      },
    },
    paths: {
      '/api/v1/search': {
        get: {
          summary: 'Search lines, with facet counts',
          parameters: searchParameters,
          responses: {
            '200': {
              description: 'Results',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['hits', 'total', 'page', 'per_page', 'facets'],
                    properties: {
                      hits: { type: 'array', items: lineHit },
                      total: { type: 'integer', description: 'Matching lines (counted up to 10,000).' },
                      page: { type: 'integer' },
                      per_page: { type: 'integer' },
                      facets: {
                        type: 'object',
                        description:
                          'Counts per value, keyed by the filter parameter name; a filtered field still counts its other values.',
                        additionalProperties: { type: 'object', additionalProperties: { type: 'integer' } },
                      },
                      understood: {
                        type: 'array',
                        description: 'Words of `q` read as filters and applied as such (empty with `literal=1`).',
                        items: {
                          type: 'object',
                          properties: {
                            facet: { type: 'string' },
                            value: { type: 'string' },
                            words: { type: 'string' },
                          },
                        },
                      },
                      words: {
                        type: 'string',
                        description:
                          'The words searched once facet words, filler and registry prefixes (RRID:, Cellosaurus:, hPSCreg:) are out.',
                      },
                      suggestions: {
                        type: 'array',
                        description: 'Only when nothing matched: other queries and how many lines they find.',
                        items: {
                          type: 'object',
                          properties: {
                            kind: { type: 'string', enum: ['spelling', 'broader', 'without_filters', 'literal'] },
                            q: { type: 'string' },
                            keepFilters: { type: 'boolean' },
                            total: { type: 'integer' },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
            '400': {
              description: 'A bad parameter, named in `parameter`',
              content: { 'application/json': { schema: error } },
            },
          },
        },
      },
      '/api/v1/search.csv': {
        get: {
          summary: 'The same search as CSV (up to 10,000 rows)',
          parameters: searchParameters.filter((p) => p.name !== 'page' && p.name !== 'per_page'),
          responses: {
            '200': { description: 'CSV', content: { 'text/csv': { schema: { type: 'string' } } } },
            '400': { description: 'A bad parameter', content: { 'application/json': { schema: error } } },
          },
        },
      },
      '/api/v1/lines/{name}': {
        get: {
          summary: 'One line, with its batches and QC results',
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': { description: 'The line', content: { 'application/json': { schema: { type: 'object' } } } },
            '308': redirect,
            '404': notFound,
          },
        },
      },
      '/api/v1/lines/{name}/citation.{format}': {
        get: {
          summary: 'How to cite a line (standard name, RRID, address), for reference managers',
          parameters: [
            { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'format', in: 'path', required: true, schema: { type: 'string', enum: ['ris', 'bib'] } },
          ],
          responses: {
            '200': {
              description: 'RIS or BibTeX',
              content: {
                'application/x-research-info-systems': { schema: { type: 'string' } },
                'application/x-bibtex': { schema: { type: 'string' } },
              },
            },
            '308': redirect,
            '404': notFound,
          },
        },
      },
      '/api/v1/batches/{number}': {
        get: {
          summary: 'One batch, with its QC results',
          parameters: [{ name: 'number', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': { description: 'The batch', content: { 'application/json': { schema: { type: 'object' } } } },
            '308': redirect,
            '404': notFound,
          },
        },
      },
      '/api/v1/account/requests': {
        get: {
          summary: "The signed-in account's own requests",
          description: 'Authenticated by the session cookie. A requester only ever sees their own requests.',
          security: [{ session: [] }],
          responses: {
            '200': {
              description: 'Requests, newest first: id, project_title, state, holder, lines, state_changed_at',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
            '401': unauthorized,
          },
        },
      },
      '/api/v1/account/requests/{id}': {
        get: {
          summary:
            "One of the account's own requests, with its items, agreements, signatures, timeline, outbound and transport records and deviations",
          security: [{ session: [] }],
          parameters: [idParam],
          responses: {
            '200': { description: 'The request', content: { 'application/json': { schema: requestSchema } } },
            '401': unauthorized,
            '404': notFound,
          },
        },
      },
      '/api/v1/staff/requests': {
        get: {
          summary: 'The review queue (staff and admins)',
          security: [{ session: [] }],
          parameters: [
            { name: 'state', in: 'query', schema: { type: 'string', enum: [...requestStates] } },
            { name: 'line', in: 'query', schema: { type: 'string' } },
            { name: 'institution', in: 'query', schema: { type: 'string' } },
            { name: 'olderThanDays', in: 'query', schema: { type: 'integer', minimum: 0 } },
          ],
          responses: {
            '200': {
              description: 'Requests, oldest in their state first, with age_days and stale',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
            '401': unauthorized,
            '403': forbidden,
          },
        },
      },
      '/api/v1/staff/requests/{id}': {
        get: {
          summary: 'Any request with its whole record (staff and admins), internal notes marked',
          security: [{ session: [] }],
          parameters: [idParam],
          responses: {
            '200': { description: 'The request', content: { 'application/json': { schema: requestSchema } } },
            '401': unauthorized,
            '403': forbidden,
            '404': notFound,
          },
        },
      },
      '/api/v1/staff/registers/outbound.csv': {
        get: {
          summary: 'The outbound register (出库) of a date range as CSV, UTF-8 with BOM',
          security: [{ session: [] }],
          parameters: registerParams,
          responses: {
            '200': { description: 'CSV', content: { 'text/csv': {} } },
            '400': { description: 'A bad date', content: { 'application/json': { schema: error } } },
            '401': unauthorized,
            '403': forbidden,
          },
        },
      },
      '/api/v1/staff/registers/transport.csv': {
        get: {
          summary: 'The transport register (运输) of a date range as CSV, UTF-8 with BOM',
          security: [{ session: [] }],
          parameters: registerParams,
          responses: {
            '200': { description: 'CSV', content: { 'text/csv': {} } },
            '400': { description: 'A bad date', content: { 'application/json': { schema: error } } },
            '401': unauthorized,
            '403': forbidden,
          },
        },
      },
      '/api/health': {
        get: {
          summary: 'Whether PostgreSQL and Meilisearch answer',
          responses: {
            '200': { description: 'Both answer' },
            '503': { description: 'One does not; the body names it' },
          },
        },
      },
    },
  };
}
