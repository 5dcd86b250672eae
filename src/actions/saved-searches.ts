/** Saved searches and alerts: thin actions over src/lib/server/saved-searches (signed-in users only). */
import { ActionError, defineAction } from 'astro:actions';
import { z } from 'zod';
import {
  deleteSavedSearch as remove,
  saveSearch as save,
  saveSearchInput,
  savedSearchIdInput,
  setSavedSearchAlert,
} from '#server/saved-searches/saved-searches.ts';
import { getDb } from '#server/platform/runtime.ts';
import { requireUser } from './context.ts';

export const saveSearch = defineAction({
  accept: 'form',
  input: saveSearchInput,
  handler: async (input, context) => {
    const user = requireUser(context, 'user');
    const result = await save(getDb(), user.id, input);
    if (!result.ok)
      throw new ActionError({
        code: 'BAD_REQUEST',
        message: result.reason === 'too_many' ? 'saved.error.tooMany' : 'saved.error.badQuery',
      });
    return { saved: true, id: result.id };
  },
});

export const deleteSavedSearch = defineAction({
  accept: 'form',
  input: savedSearchIdInput,
  handler: async (input, context) => {
    const user = requireUser(context, 'user');
    if (!(await remove(getDb(), user.id, input.id)))
      throw new ActionError({ code: 'NOT_FOUND', message: 'saved.error.notFound' });
    return { deleted: true };
  },
});

export const setSearchAlert = defineAction({
  accept: 'form',
  input: savedSearchIdInput.extend({ alert: z.enum(['on', 'off']) }),
  handler: async (input, context) => {
    const user = requireUser(context, 'user');
    if (!(await setSavedSearchAlert(getDb(), user.id, input.id, input.alert === 'on')))
      throw new ActionError({ code: 'NOT_FOUND', message: 'saved.error.notFound' });
    return { saved: true };
  },
});
