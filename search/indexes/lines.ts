/**
 * The `lines` index: one document per public line, carrying everything a
 * researcher searches or filters on. Staff-only data (donor code, storage
 * locations) never enters a document.
 */
import type pg from 'pg';
import type { Settings } from 'meilisearch';
import {
  availabilityRank,
  deriveAvailability,
  type BatchStockState,
  type StockAvailability,
} from '#lib/availability.ts';
import { categoryTerms, buildSynonyms } from '../synonyms.ts';
import { proteinVariantTerms, tagFamilyTerms } from '../modification-terms.ts';

export const LINES = 'lines';

const gradeTerms: Record<string, string[]> = {
  clinical: ['clinical grade', 'GMP', '临床级', '临床级别'],
  research: ['research grade', '科研级', '研究级'],
};

export interface LineDocument {
  id: number;
  name: string;
  category: string;
  /** Category words in both languages, for search. */
  category_terms: string[];
  synonyms: string[];
  /** External identifier values (BioSamples, Cellosaurus, hPSCreg, catalogue numbers ...). */
  identifiers: string[];
  batch_numbers: string[];
  /** Lower-cased name, synonyms, identifiers and batch numbers: exact look-up. */
  exact_keys: string[];
  diseases: string[];
  /** Disease names in Chinese, synonyms and abbreviations, for search. */
  disease_terms: string[];
  genes: string[];
  modification_types: string[];
  /** Variant descriptions of the modifications (HGVS, tags): `mEGFP`, `p.Gly256Glu`. */
  modification_terms: string[];
  /** Protein changes the line carries, as people type them (`A53T`, `Ala53Thr`); corrected controls do not carry them. */
  variant_terms: string[];
  /** Family words of fluorescent tags (`GFP` for mEGFP, `RFP` for mTagRFP-T). */
  tag_terms: string[];
  sex: string;
  age_band: string | null;
  ethnicity: string | null;
  provider: string | null;
  country: string | null;
  /** Derived from the stock (src/lib/availability.ts), never the provider's declaration alone. */
  availability: StockAvailability;
  /** Ties in relevance: available lines first (higher is better). */
  availability_rank: number;
  /** How many distinguishing facts the record has (disease, sex, age, modification, grade, vials): ties rank richer lines first. */
  richness: number;
  grades: string[];
  /** Grade words in both languages, for search: `clinical grade`, `临床级`, `GMP`. */
  grade_terms: string[];
  /** Available vials of released batches only. */
  available_vials: number;
  source_tissue: string | null;
  reprogramming_method: string | null;
  demo: boolean;
  synthetic: boolean;
  updated_at: number;
}

/** Filter parameter (public API) -> document attribute. Facet names are the parameter names. */
export const lineFacets = {
  category: 'category',
  disease: 'diseases',
  gene: 'genes',
  modification: 'modification_types',
  sex: 'sex',
  age_band: 'age_band',
  grade: 'grades',
  availability: 'availability',
  provider: 'provider',
  country: 'country',
} as const;
export type LineFacet = keyof typeof lineFacets;

export const lineSettings: Settings = {
  searchableAttributes: [
    'name',
    'synonyms',
    'identifiers',
    'batch_numbers',
    'diseases',
    'disease_terms',
    'category_terms',
    'genes',
    'variant_terms',
    'tag_terms',
    'modification_types',
    'modification_terms',
    'grade_terms',
    'provider',
    'source_tissue',
    'reprogramming_method',
    'country',
  ],
  filterableAttributes: [...Object.values(lineFacets), 'exact_keys', 'demo', 'synthetic'],
  sortableAttributes: ['name', 'updated_at', 'available_vials'],
  displayedAttributes: ['*'],
  // When relevance ties, lines that can be had and records that say more come first.
  rankingRules: [
    'words',
    'typo',
    'proximity',
    'attribute',
    'sort',
    'exactness',
    'availability_rank:desc',
    'richness:desc',
  ],
  synonyms: buildSynonyms(),
  typoTolerance: {
    enabled: true,
    minWordSizeForTypos: { oneTypo: 5, twoTypos: 9 },
    // An identifier is right or wrong: `HPSI0114i` must not match its neighbours by typo.
    disableOnAttributes: ['identifiers', 'batch_numbers', 'variant_terms'],
    disableOnNumbers: true,
  },
  faceting: { maxValuesPerFacet: 200, sortFacetValuesBy: { '*': 'count' } },
  // Indexing cost, not relevance (a million lines must reindex in minutes): facet values are never
  // searched (the filters list them), and proximity counts within an attribute, where it matters
  // for these short fields, not the exact word distance.
  facetSearch: false,
  proximityPrecision: 'byAttribute',
  // Above any catalog we expect: `total` counts every match, consistent with the facet counts (issue 20).
  pagination: { maxTotalHits: 10_000_000 },
  localizedAttributes: [
    { attributePatterns: ['disease_terms', 'category_terms', 'grade_terms', 'tag_terms'], locales: ['cmn', 'eng'] },
  ],
};

type LineRow = {
  id: number;
  name: string;
  category: string;
  availability: string;
  stock: BatchStockState[] | null;
  status: string;
  country: string | null;
  provider: string | null;
  sex: string | null;
  age_band: string | null;
  ethnicity: string | null;
  source_tissue: string | null;
  reprogramming_method: string | null;
  demo: boolean;
  synthetic: boolean;
  updated_at: Date;
  synonyms: string[] | null;
  identifiers: string[] | null;
  diseases: string[] | null;
  disease_terms: string[] | null;
  genes: string[] | null;
  modification_types: string[] | null;
  modification_terms: string[] | null;
  carried_variants: string[] | null;
  disease_notes: string[] | null;
  grades: string[] | null;
  batch_numbers: string[] | null;
};

const selectLines = `
  SELECT l.id, l.name, l.category, l.availability, l.status, l.country, p.name AS provider,
         d.sex, d.age_band, d.ethnicity, l.source_tissue, l.reprogramming_method, l.demo, l.synthetic, l.updated_at,
         (SELECT array_agg(s.synonym) FROM line_synonyms s WHERE s.line_id = l.id) AS synonyms,
         (SELECT array_agg(i.value) FROM line_identifiers i WHERE i.line_id = l.id) AS identifiers,
         (SELECT array_agg(x.name_en) FROM line_diseases ld JOIN diseases x ON x.id = ld.disease_id WHERE ld.line_id = l.id) AS diseases,
         (SELECT array_agg(t) FROM line_diseases ld JOIN diseases x ON x.id = ld.disease_id,
                 unnest(array_append(x.synonyms, x.name_zh)) AS t WHERE ld.line_id = l.id AND t IS NOT NULL) AS disease_terms,
         (SELECT array_agg(DISTINCT m.gene) FROM genetic_modifications m WHERE m.line_id = l.id AND m.gene IS NOT NULL) AS genes,
         (SELECT array_agg(DISTINCT m.type) FROM genetic_modifications m WHERE m.line_id = l.id) AS modification_types,
         (SELECT array_agg(m.variant) FROM genetic_modifications m WHERE m.line_id = l.id AND m.variant IS NOT NULL) AS modification_terms,
         (SELECT array_agg(m.variant) FROM genetic_modifications m WHERE m.line_id = l.id AND m.variant IS NOT NULL AND m.type NOT IN ('isogenic-control', 'correction')) AS carried_variants,
         (SELECT array_agg(ld.note) FROM line_diseases ld WHERE ld.line_id = l.id AND ld.note IS NOT NULL) AS disease_notes,
         (SELECT array_agg(DISTINCT b.grade) FROM batches b WHERE b.line_id = l.id AND b.release_status = 'released') AS grades,
         (SELECT array_agg(b.number) FROM batches b WHERE b.line_id = l.id) AS batch_numbers,
         (SELECT json_agg(json_build_object('releaseStatus', b.release_status, 'vialsAvailable', b.vials_available)) FROM batches b WHERE b.line_id = l.id) AS stock
  FROM lines l
  LEFT JOIN providers p ON p.id = l.provider_id
  LEFT JOIN donors d ON d.id = l.donor_id`;

export function toLineDocument(r: LineRow): LineDocument {
  const synonyms = r.synonyms ?? [];
  const identifiers = r.identifiers ?? [];
  const batchNumbers = r.batch_numbers ?? [];
  const stock = deriveAvailability(r.availability, r.stock ?? []);
  return {
    id: r.id,
    name: r.name,
    category: r.category,
    category_terms: categoryTerms[r.category] ?? [],
    synonyms,
    identifiers,
    batch_numbers: batchNumbers,
    exact_keys: [...new Set([r.name, ...synonyms, ...identifiers, ...batchNumbers].map((k) => k.toLowerCase()))],
    diseases: r.diseases ?? [],
    disease_terms: [...new Set(r.disease_terms ?? [])],
    genes: r.genes ?? [],
    modification_types: r.modification_types ?? [],
    modification_terms: r.modification_terms ?? [],
    variant_terms: [
      ...new Set([...(r.carried_variants ?? []), ...(r.disease_notes ?? [])].flatMap(proteinVariantTerms)),
    ],
    tag_terms: tagFamilyTerms((r.modification_terms ?? []).join(' ; ')),
    sex: r.sex ?? 'unknown',
    age_band: r.age_band,
    ethnicity: r.ethnicity,
    provider: r.provider,
    country: r.country,
    availability: stock.status,
    availability_rank: availabilityRank(stock.status),
    richness: [
      r.diseases?.length,
      r.sex && r.sex !== 'unknown',
      r.age_band,
      r.modification_types?.length,
      r.grades?.length,
      stock.vials > 0,
    ].filter(Boolean).length,
    grades: r.grades ?? [],
    grade_terms: (r.grades ?? []).flatMap((g) => gradeTerms[g] ?? []),
    available_vials: stock.vials,
    source_tissue: r.source_tissue,
    reprogramming_method: r.reprogramming_method,
    demo: r.demo,
    synthetic: r.synthetic,
    updated_at: Math.floor(r.updated_at.getTime() / 1000),
  };
}

/** Documents for these ids, and the ids that must leave the index (gone or hidden). */
export async function loadLineDocuments(
  db: pg.Pool | pg.PoolClient,
  ids: number[],
): Promise<{ documents: LineDocument[]; removed: number[] }> {
  const { rows } = await db.query<LineRow>(`${selectLines} WHERE l.id = ANY($1::int[])`, [ids]);
  const documents = rows.filter((r) => r.status === 'published').map(toLineDocument);
  const kept = new Set(documents.map((d) => d.id));
  return { documents, removed: ids.filter((id) => !kept.has(id)) };
}

/** Published lines with id > `after`, in id order: the reindex walks the table with it. */
export async function loadLineDocumentPage(db: pg.Pool, after: number, limit: number): Promise<LineDocument[]> {
  const { rows } = await db.query<LineRow>(
    `${selectLines} WHERE l.id > $1 AND l.status = 'published' ORDER BY l.id LIMIT $2`,
    [after, limit],
  );
  return rows.map(toLineDocument);
}
