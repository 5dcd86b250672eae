/**
 * The public JSON of lines and batches (GET /api/v1/...) and the line page's
 * JSON-LD. Fields are picked one by one, never spread, so a column added to
 * the services later does not reach the API until someone decides it should.
 */
import type { ClinicalProductView } from './clinical.ts';
import type { BatchPage, BatchSummary, LinePage, Located, QcRow } from './catalog.ts';

export const linePath = (name: string) => `/lines/${encodeURIComponent(name)}`;
export const batchPath = (number: string) => `/batches/${encodeURIComponent(number)}`;
export const lineApiPath = (name: string) => `/api/v1${linePath(name)}`;
export const batchApiPath = (number: string) => `/api/v1${batchPath(number)}`;

const qcJson = (q: QcRow) => ({
  test: q.test,
  method: q.method,
  specification: q.specification,
  result: q.result,
  outcome: q.outcome,
  testedOn: q.testedOn,
  testedBy: q.testedBy,
  reviewedBy: q.reviewedBy,
});

const batchFields = (b: BatchSummary, origin: string) => ({
  number: b.number,
  url: origin + batchPath(b.number),
  certificateUrl: `${origin}${batchPath(b.number)}/coa`,
  type: b.type,
  passage: b.passage,
  productionDate: b.productionDate,
  grade: b.grade,
  releaseStatus: b.releaseStatus,
  // Vials a researcher can request: none while the batch is not released.
  vialsAvailable: b.vialsRequestable,
  demo: b.demo,
  synthetic: b.synthetic,
  qc: b.qc.map(qcJson),
});

const clinicalJson = (p: ClinicalProductView) => ({
  product: p.product,
  productType: p.productType,
  sourceCellType: p.sourceCellType,
  indication: p.indication,
  sponsor: p.sponsor,
  trialId: p.trialId,
  /** The source gives this product's trial number to another product too: withheld. */
  trialIdShared: p.trialIdShared,
  registry: p.registry,
  phase: p.phase,
  country: p.country,
  startYear: p.startYear,
});

export function lineJson(page: LinePage, origin: string) {
  return {
    name: page.name,
    url: origin + linePath(page.name),
    category: page.category,
    availability: page.availability.status,
    availableVials: page.availability.vials,
    declaredAvailability: page.declaredAvailability,
    demo: page.demo,
    synthetic: page.synthetic,
    dataSource: page.dataSource,
    entryVersion: page.entryVersion,
    updatedAt: page.updatedAt.toISOString(),
    synonyms: page.synonyms,
    identifiers: page.identifiers.map((i) => ({ source: i.source, value: i.value, url: i.url ?? null })),
    provider: page.provider && { name: page.provider.name, country: page.provider.country, url: page.provider.url },
    provenance: { ...page.provenance },
    donor: page.donor && {
      sex: page.donor.sex,
      ageBand: page.donor.ageBand,
      ethnicity: page.donor.ethnicity,
      hla: page.donor.hla,
    },
    diseases: page.diseases.map((d) => ({ name: d.name, nameZh: d.nameZh, ontologyId: d.ontologyId, note: d.note })),
    modifications: page.modifications.map((m) => ({
      type: m.type,
      gene: m.gene,
      variant: m.variant,
      zygosity: m.zygosity,
    })),
    characterisations: page.characterisations.map((c) => ({
      test: c.test,
      method: c.method,
      result: c.result,
      passed: c.passed,
    })),
    culture: { ...page.culture },
    terms: {
      consentScope: page.terms.consentScope,
      useRestrictions: page.terms.useRestrictions,
      agreement: page.terms.agreement,
    },
    publications: page.publications.map((p) => ({ reference: p.reference, title: p.title, url: p.url ?? null })),
    parent: page.parent && { name: page.parent.name, url: origin + linePath(page.parent.name) },
    derived: page.derived.map((d) => ({ name: d.name, category: d.category, url: origin + linePath(d.name) })),
    relatedClinicalProducts: {
      basis: page.clinicalProducts.basis,
      total: page.clinicalProducts.total,
      items: page.clinicalProducts.items.map(clinicalJson),
    },
    batches: page.batches.map((b) => batchFields(b, origin)),
  };
}

export function batchJson(page: BatchPage, origin: string) {
  return {
    ...batchFields(page, origin),
    parentBatch: page.parentBatch,
    line: {
      name: page.line.name,
      category: page.line.category,
      demo: page.line.demo,
      url: origin + linePath(page.line.name),
    },
  };
}

/** A located record as the API tells it: its JSON, the standard address it moved to, or nothing. */
export type RecordJson =
  | { status: 'found'; body: unknown }
  | { status: 'moved'; location: string }
  | { status: 'missing' };

/** The record's JSON, or where it now lives (`movedTo` gives the API address of a standard name). */
export function recordJson<T>(
  found: Located<T>,
  movedTo: (to: string) => string,
  toJson: (page: T) => unknown,
): RecordJson {
  if (found.status === 'moved') return { status: 'moved', location: movedTo(found.to) };
  if (found.status === 'missing') return found;
  return { status: 'found', body: toJson(found.page) };
}

/**
 * schema.org markup for the line page. Bioschemas has no cell-line profile,
 * so this is a schema.org BioChemEntity typed as a cell line (CLO_0000031):
 * name, identifiers, alternate names and its address.
 */
export function lineJsonLd(page: LinePage, origin: string): string {
  const data = {
    '@context': 'https://schema.org',
    '@type': 'BioChemEntity',
    additionalType: 'http://purl.obolibrary.org/obo/CLO_0000031',
    '@id': origin + linePath(page.name),
    url: origin + linePath(page.name),
    name: page.name,
    alternateName: page.synonyms,
    identifier: page.identifiers.map((i) => ({
      '@type': 'PropertyValue',
      propertyID: i.source,
      value: i.value,
      ...(i.url ? { url: i.url } : {}),
    })),
    ...(page.diseases.length
      ? {
          associatedDisease: page.diseases.map((d) => ({
            '@type': 'MedicalCondition',
            name: d.name,
            ...(d.ontologyId ? { code: d.ontologyId } : {}),
          })),
        }
      : {}),
  };
  // `<` escaped so no value can close the <script> element it is embedded in.
  return JSON.stringify(data).replace(/</g, '\\u003c');
}
