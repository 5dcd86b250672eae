/**
 * The outcome of whichever of a page's actions was posted: its name when it
 * succeeded (the page then redirects, post-redirect-get), or its error
 * translated for the page, with the values typed.
 */
import type { SafeResult } from 'astro:actions';
import type { Translate } from '../i18n/index.ts';
import { formState } from './form-state.ts';

// biome-ignore lint/suspicious/noExplicitAny: any action's result
type Results = Record<string, SafeResult<any, any> | undefined>;

export function actionOutcome(results: Results, input: Record<string, string>, t: Translate) {
  const entries = Object.entries(results);
  const succeeded = entries.find(([, r]) => r && !r.error);
  const failed = entries.find(([, r]) => r?.error);
  const state = failed ? formState(failed[1], input, t) : undefined;
  return {
    done: succeeded?.[0],
    data: succeeded?.[1]?.data as unknown,
    failedAction: failed?.[0],
    error:
      state?.formError ??
      (state && failed
        ? t('request.error.invalid', {
            message: Object.keys((failed[1]?.error as { fields?: object })?.fields ?? {}).join(', '),
          })
        : undefined),
    errors: (name: string) => state?.errors(name) ?? [],
    value: (name: string, fallback = '') => (state ? state.value(name, fallback) : fallback),
  };
}
