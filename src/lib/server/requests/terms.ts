/**
 * Terms of use against a request's use category, per item (pure): a
 * research-only line cannot go to clinical or commercial use, clinical use
 * needs a clinical-grade batch, a no-commercial line cannot go to commercial
 * use. The same rule screens a submission and fills the staff checklist.
 */
import type { UseCategory } from '#db/schema/requests.ts';

export interface ItemTerms {
  lineName: string;
  useRestrictions: readonly string[];
  batchNumber?: string | null;
  batchGrade?: string | null;
}

export type TermsProblem = { line: string; code: 'research_only' | 'no_commercial' | 'clinical_grade_needed' };

export function checkTerms(use: UseCategory, items: ItemTerms[]): TermsProblem[] {
  const problems: TermsProblem[] = [];
  for (const item of items) {
    const r = item.useRestrictions;
    if (use !== 'research' && r.includes('research_only'))
      problems.push({ line: item.lineName, code: 'research_only' });
    else if (use === 'commercial' && r.includes('no_commercial'))
      problems.push({ line: item.lineName, code: 'no_commercial' });
    if (use === 'clinical' && item.batchGrade !== 'clinical')
      problems.push({ line: item.lineName, code: 'clinical_grade_needed' });
  }
  return problems;
}
