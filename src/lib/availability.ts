/**
 * What the catalog says about getting a line, derived from the stock itself.
 *
 * This is the one place the rule lives: the search index (facet, badge, sort),
 * the line and batch pages, the JSON API, the statistics and the request
 * button all call it. `lines.availability` is what the provider declared
 * (hPSCreg/EBiSC style); the stock ledger (db/schema/stock.ts) says what the
 * bank can ship today. A line is available only when a *released* batch has
 * available vials: vials of quarantined, rejected or recalled batches never
 * count. Dependency-free, so the browser may import it too.
 */

/** What the catalog shows, in the order a researcher prefers them. */
export const stockAvailabilities = [
  'available',
  'in_qc',
  'expand_to_order',
  'on_request',
  'restricted',
  'not_distributed',
] as const;
export type StockAvailability = (typeof stockAvailabilities)[number];

/** The provider's declaration (lines.availability). */
export type DeclaredAvailability =
  | 'available'
  | 'expand_to_order'
  | 'restricted'
  | 'recalled'
  | 'withdrawn'
  | 'not_available';

export type ReleaseStatus = 'quarantine' | 'released' | 'rejected' | 'recalled';

export interface BatchStockState {
  releaseStatus: ReleaseStatus | string;
  vialsAvailable: number;
}

export interface LineAvailability {
  status: StockAvailability;
  /** Vials that can be requested today: available vials of released batches. */
  vials: number;
}

/** Vials of one batch that a researcher can request: none unless the batch is released. */
export function requestableVials(batch: BatchStockState): number {
  return batch.releaseStatus === 'released' ? Math.max(0, batch.vialsAvailable) : 0;
}

/**
 * The rule. Stock first (released vials make a line available, whatever the
 * declaration says), then what the bank can honestly promise without stock.
 */
export function deriveAvailability(
  declared: DeclaredAvailability | string,
  batches: readonly BatchStockState[],
): LineAvailability {
  // A withdrawn or recalled line is off distribution even if vials remain in the tanks.
  if (declared === 'withdrawn' || declared === 'recalled') return { status: 'not_distributed', vials: 0 };
  const vials = batches.reduce((n, b) => n + requestableVials(b), 0);
  if (vials > 0) return { status: 'available', vials };
  // Vials exist but are still being tested: say so rather than "available".
  if (batches.some((b) => b.releaseStatus === 'quarantine' && b.vialsAvailable > 0))
    return { status: 'in_qc', vials: 0 };
  // A released batch ran out, or the provider expands on demand: a new batch is grown for the order.
  if (
    declared === 'expand_to_order' ||
    (declared !== 'not_available' && batches.some((b) => b.releaseStatus === 'released'))
  )
    return { status: 'expand_to_order', vials: 0 };
  if (declared === 'restricted') return { status: 'restricted', vials: 0 };
  // Listed by its provider, but the bank holds no vials: the bank can ask the provider.
  if (declared === 'available') return { status: 'on_request', vials: 0 };
  return { status: 'not_distributed', vials: 0 };
}

/** Whether the request button is offered, and what it says (message key suffix). */
export function requestKind(status: StockAvailability): 'request' | 'order' | 'enquire' | null {
  switch (status) {
    case 'available':
      return 'request';
    case 'expand_to_order':
      return 'order';
    case 'in_qc':
    case 'on_request':
    case 'restricted':
      return 'enquire';
    case 'not_distributed':
      return null;
  }
}

/** Higher is better for ranking ties: available lines first, then those that can be had soon. */
export function availabilityRank(status: StockAvailability): number {
  return stockAvailabilities.length - stockAvailabilities.indexOf(status);
}
