/**
 * The required temperature range of a transport, and the one rule of what lies
 * outside it: the bounds belong to the range, so a reading exactly at a limit
 * is inside. Shipments (dispatch, arrival), the logger's excursions, the bank's
 * receipt and the record texts all ask here. Pure: pages and components may too.
 */

/** As stored (numeric columns arrive as strings) or as typed. */
export interface RequiredRange {
  requiredMinC: string | number;
  requiredMaxC: string | number;
}

/** 'above' or 'below' the range, or undefined when the temperature is inside it (limits included). */
export function outsideRange(tempC: number, range: RequiredRange): 'above' | 'below' | undefined {
  if (tempC > Number(range.requiredMaxC)) return 'above';
  if (tempC < Number(range.requiredMinC)) return 'below';
  return undefined;
}

/** A range with nothing in it (the upper limit not above the lower) is refused where it is entered. */
export function isEmptyRange(range: RequiredRange): boolean {
  return Number(range.requiredMinC) >= Number(range.requiredMaxC);
}
