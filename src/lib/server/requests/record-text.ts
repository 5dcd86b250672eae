/**
 * Record values in the reader's language, computed from the stored facts
 * rather than from text written at the time (pure): a deviation from its
 * source, extreme, duration and the required range; the cell type of an
 * outbound record from the line and its category.
 */
import type { Translate } from '#i18n/index.ts';
import { outsideRange, type RequiredRange } from '#lib/temperature-range.ts';

export interface DeviationFacts {
  source: string;
  extremeC: string | number | null;
  durationSeconds: number | null;
  description: string;
}

const num = (v: string | number | null | undefined) =>
  v === null || v === undefined || v === '' ? undefined : Number(v);
const temp = (v: number) => String(Number(v.toFixed(2)));

/** A deviation as the reader reads it; the stored description (English) when the range is unknown. */
export function deviationText(t: Translate, d: DeviationFacts, range: RequiredRange | null | undefined): string {
  const extreme = num(d.extremeC);
  if (!range || extreme === undefined) return d.description;
  const min = Number(range.requiredMinC);
  const max = Number(range.requiredMaxC);
  if (d.source === 'dispatch' || d.source === 'arrival')
    return t(`request.deviationText.${d.source}`, { temp: temp(extreme), min: temp(min), max: temp(max) });
  const above = outsideRange(extreme, range) === 'above';
  return t(above ? 'request.deviationText.above' : 'request.deviationText.below', {
    limit: temp(above ? max : min),
    minutes: String(Math.round((d.durationSeconds ?? 0) / 60)),
    temp: temp(extreme),
  });
}

/** The cell type of an outbound line: its name and its category in the reader's language. */
export function cellTypeText(t: Translate, lineName: string, category: string | null | undefined): string {
  return category ? `${lineName} (${t(`category.${category as 'ipsc'}`)})` : lineName;
}
