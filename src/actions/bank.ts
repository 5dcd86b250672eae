/**
 * Actions of the bank's records. Each is thin: the Zod input validates, the
 * caller must be staff, one service is called; the reviewer co-signs in the
 * same form (src/lib/server/bank/cosign.ts). A failure becomes an
 * ActionError whose message is a message key (translated by the page).
 */
import { defineAction, type ActionAPIContext } from 'astro:actions';
import * as inputs from '#schemas/bank-inputs.ts';
import { getDb } from '#server/platform/runtime.ts';
import type { Caller, Result } from '#server/requests/core.ts';
import { receiveBatch } from '#server/bank/receipts.ts';
import { checkLocation, createStorageBox, createStorageUnit, moveVial, storeBatchInBox } from '#server/bank/storage.ts';
import { recordIntakeTest, recordReleaseTest } from '#server/bank/testing.ts';
import { assessDeviation } from '#server/bank/deviations.ts';
import { destroyVials } from '#server/bank/destruction.ts';
import { pickListFor, scanLabel } from '#server/bank/picking.ts';
import { requireUser } from './context.ts';
import { failureToError } from './requests.ts';

function staffCaller(context: ActionAPIContext): Caller {
  const user = requireUser(context, 'staff');
  return { id: user.id, name: user.displayName, role: user.role };
}

/** Failures as the request chain shows them (the bank's keys are full message keys, `bank.error.*`). */
function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw failureToError(result.failure);
  return result.value;
}

export const receiveBankBatch = defineAction({
  accept: 'form',
  input: inputs.receiptInput,
  handler: async (input, context) => {
    const caller = staffCaller(context);
    const file =
      input.loggerFile && input.loggerFile.size > 0
        ? { name: input.loggerFile.name.slice(0, 200), text: await input.loggerFile.text() }
        : null;
    const r = unwrap(await receiveBatch(getDb(), caller, { ...input, loggerFile: file }));
    return { batchId: r.batchId, number: r.receipt.batchNumber, deviations: r.deviations };
  },
});

export const createBankStorageUnit = defineAction({
  accept: 'form',
  input: inputs.unitInput,
  handler: async (input, context) => unwrap(await createStorageUnit(getDb(), staffCaller(context), input)),
});

export const createBankStorageBox = defineAction({
  accept: 'form',
  input: inputs.boxInput,
  handler: async (input, context) => unwrap(await createStorageBox(getDb(), staffCaller(context), input)),
});

export const storeBankVials = defineAction({
  accept: 'form',
  input: inputs.storeInput,
  handler: async (input, context) => unwrap(await storeBatchInBox(getDb(), staffCaller(context), input)),
});

export const moveBankVial = defineAction({
  accept: 'form',
  input: inputs.moveInput,
  handler: async (input, context) => unwrap(await moveVial(getDb(), staffCaller(context), input)),
});

export const checkBankLocation = defineAction({
  accept: 'form',
  input: inputs.locationCheckInput,
  handler: async (input, context) => unwrap(await checkLocation(getDb(), staffCaller(context), input)),
});

export const recordBankIntakeTest = defineAction({
  accept: 'form',
  input: inputs.intakeInput,
  handler: async (input, context) => unwrap(await recordIntakeTest(getDb(), staffCaller(context), input)),
});

export const recordBankReleaseTest = defineAction({
  accept: 'form',
  input: inputs.releaseInput,
  handler: async (input, context) => unwrap(await recordReleaseTest(getDb(), staffCaller(context), input)),
});

export const assessBankDeviation = defineAction({
  accept: 'form',
  input: inputs.assessInput,
  handler: async (input, context) => {
    unwrap(await assessDeviation(getDb(), staffCaller(context), input));
    return { assessed: true };
  },
});

export const destroyBankVials = defineAction({
  accept: 'form',
  input: inputs.destroyInput,
  handler: async (input, context) => unwrap(await destroyVials(getDb(), staffCaller(context), input)),
});

export const pickRequestVials = defineAction({
  accept: 'form',
  input: inputs.pickInput,
  handler: async (input, context) => {
    const caller = staffCaller(context);
    const list = await pickListFor(getDb(), input.requestId, { caller, chosen: input.chosen });
    return { picked: list.lines.length };
  },
});

export const scanPickLabel = defineAction({
  accept: 'form',
  input: inputs.scanInput,
  handler: async (input, context) =>
    unwrap(await scanLabel(getDb(), staffCaller(context), input.requestId, input.scanned)),
});
