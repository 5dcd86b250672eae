/**
 * Links out for a line's external identifiers and publications. Only sources
 * whose public record pages have a stable address get a link; the others are
 * shown as text, because a guessed URL that 404s is worse than none.
 */
const recordPages: Record<string, (id: string) => string> = {
  hpscreg: (id) => `https://hpscreg.eu/cell-line/${encodeURIComponent(id)}`,
  cellosaurus: (id) => `https://www.cellosaurus.org/${encodeURIComponent(id)}`,
  biosamples: (id) => `https://www.ebi.ac.uk/biosamples/samples/${encodeURIComponent(id)}`,
};

export function identifierUrl(source: string, value: string): string | undefined {
  return recordPages[source.toLowerCase()]?.(value);
}

/** `PMID:9804556` -> PubMed, `doi:10...` -> doi.org; anything else has no link. */
export function publicationUrl(reference: string): string | undefined {
  const pmid = /^PMID:\s*(\d+)$/i.exec(reference.trim());
  if (pmid) return `https://pubmed.ncbi.nlm.nih.gov/${pmid[1]}/`;
  const doi = /^doi:\s*(10\.\S+)$/i.exec(reference.trim());
  if (doi) return `https://doi.org/${doi[1]}`;
  return undefined;
}

/** Where the same words can be searched at hPSCreg and Cellosaurus (append the encoded query). */
export const externalSearchPrefixes = {
  hpscreg: 'https://hpscreg.eu/search?q=',
  cellosaurus: 'https://www.cellosaurus.org/search?query=',
} as const;
