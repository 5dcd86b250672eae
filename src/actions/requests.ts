/**
 * Actions of the request chain. Each is thin: the Zod input validates, the
 * caller's role is checked (requesters act on their own requests only; the
 * services answer "not found" for anyone else's), one service is called, and
 * a failure becomes an ActionError whose message is a message key with its
 * parameters (translated by the page).
 */
import { ActionError, defineAction, type ActionAPIContext } from 'astro:actions';
import * as inputs from '#schemas/request-inputs.ts';
import { getDb } from '#server/platform/runtime.ts';
import type { Caller, RequestFailure, Result } from '#server/requests/core.ts';
import * as requester from '#server/requests/requester.ts';
import * as staff from '#server/requests/staff.ts';
import * as shipments from '#server/requests/shipments.ts';
import { acknowledgeRecall, batchById, setBatchStatus } from '#server/requests/recall.ts';
import { setPrice } from '#server/requests/prices.ts';
import { reserveRequest } from '#server/requests/reservations.ts';
import { publishAgreement } from '#server/requests/agreements.ts';
import { requireUser } from './context.ts';
import type { Requirement } from '#server/accounts/authorize.ts';

function callerOf(context: ActionAPIContext, requirement: Requirement): Caller {
  const user = requireUser(context, requirement);
  return { id: user.id, name: user.displayName, role: user.role };
}

const withQuery = (key: string, params: Record<string, string | number>) =>
  `${key}?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))}`;

/** Service field names -> the message key of the label the form shows. */
const fieldLabels: Record<string, string> = {
  ...Object.fromEntries(
    [
      'projectTitle',
      'purpose',
      'principalInvestigator',
      'institution',
      'ethicsReference',
      'useCategory',
      'shippingAddress',
      'contactPhone',
      'contactEmail',
      'officialName',
      'officialEmail',
      'quantity',
      'batch',
      'reason',
      'assessment',
      'loggerFile',
      'status',
      'condition',
    ].map((f) => [f, `request.field.${f}`]),
  ),
  acceptAgreement: 'request.field.acceptAgreement',
  agreement: 'request.agreement.heading',
  items: 'request.items',
  line: 'request.col.line',
  approve: 'request.col.approved',
  check: 'request.checklist.heading',
  requiredMaxC: 'request.transport.requiredMax',
  amount: 'request.col.price',
};

/** A service failure as the form shows it, with the HTTP status a JSON caller sees. */
export function failureToError(f: RequestFailure): ActionError {
  switch (f.code) {
    case 'not_found':
      return new ActionError({ code: 'NOT_FOUND', message: 'request.error.not_found' });
    case 'bad_password':
      // Not 401: the caller is signed in; the signature, not the session, failed.
      return new ActionError({ code: 'BAD_REQUEST', message: 'request.error.bad_password' });
    case 'throttled':
      return new ActionError({
        code: 'TOO_MANY_REQUESTS',
        message: withQuery('auth.error.throttled', { minutes: Math.ceil(f.retryAfterSeconds / 60) }),
      });
    case 'same_person':
      return new ActionError({ code: 'CONFLICT', message: 'request.error.same_person' });
    case 'batch_not_released':
      return new ActionError({
        code: 'CONFLICT',
        message: withQuery(
          `request.error.batch_${f.status === 'recalled' || f.status === 'rejected' ? f.status : 'quarantine'}`,
          { batch: f.batch },
        ),
      });
    case 'insufficient_stock':
      return new ActionError({
        code: 'CONFLICT',
        message: withQuery('request.error.insufficient', { batch: f.batch, available: f.available, wanted: f.wanted }),
      });
    case 'transition': {
      const e = f.error;
      return new ActionError({
        code: 'CONFLICT',
        message: withQuery(`request.error.${e.code}`, { from: e.from, to: e.to }),
      });
    }
    case 'invalid': {
      // The field named as its label reads (translated by the page), never as the internal name.
      const label = fieldLabels[f.field.replace(/-\d+$/, '')] ?? 'request.field.form';
      // A key with a dot is a whole message key of another area (bank.error.…); a bare one is the request chain's.
      const key = f.key && (f.key.includes('.') ? f.key : `request.error.${f.key}`);
      // `name` keeps the internal field name for JSON callers (pages show the label; unused parameters are ignored).
      if (key && f.params && Object.values(f.params).some(Boolean))
        return new ActionError({ code: 'BAD_REQUEST', message: withQuery(key, { ...f.params, name: f.field }) });
      return new ActionError({
        code: 'BAD_REQUEST',
        message: withQuery('request.error.fieldProblem', { field: label, problem: key ?? f.message, name: f.field }),
      });
    }
    case 'conflict':
      return new ActionError({
        code: 'CONFLICT',
        message: withQuery('request.error.conflict', { message: f.message }),
      });
    case 'link':
      return new ActionError({
        code: f.why === 'invalid' ? 'NOT_FOUND' : 'CONFLICT',
        message: `request.official.${f.why}`,
      });
  }
}

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw failureToError(result.failure);
  return result.value;
}

/** `<prefix><id>` fields of a form, as id -> number. */
function numbered(input: Record<string, unknown>, prefix: string): Record<number, number> {
  return Object.fromEntries(
    Object.entries(input)
      .filter(([k, v]) => k.startsWith(prefix) && /^\d+$/.test(k.slice(prefix.length)) && /^\d{1,6}$/.test(String(v)))
      .map(([k, v]) => [Number(k.slice(prefix.length)), Number(v)]),
  );
}

const localeOf = (context: ActionAPIContext) => (context.locals.locale === 'zh' ? 'zh' : 'en');

// ---- requester ----

export const addToBasket = defineAction({
  accept: 'form',
  input: inputs.addToBasketInput,
  handler: async (input, context) =>
    unwrap(
      await requester.addToBasket(
        getDb(),
        callerOf(context, 'user'),
        { line: input.line, batch: input.batch || undefined, quantity: input.quantity },
        localeOf(context),
      ),
    ),
});

export const saveRequest = defineAction({
  accept: 'form',
  input: inputs.draftInput,
  handler: async (input, context) => {
    const caller = callerOf(context, 'user');
    const { requestId, submit, acceptAgreement, ...fields } = input;
    const items = Object.entries(numbered(input as Record<string, unknown>, 'quantity-')).map(([id, quantity]) => ({
      id: Number(id),
      quantity,
    }));
    unwrap(await requester.saveDraft(getDb(), caller, requestId, fields, items));
    if (submit)
      unwrap(
        await requester.submitRequest(
          getDb(),
          caller,
          requestId,
          acceptAgreement === 'on' || acceptAgreement === 'yes',
        ),
      );
    return { requestId, submitted: Boolean(submit) };
  },
});

export const removeRequestItem = defineAction({
  accept: 'form',
  input: inputs.removeItemInput,
  handler: async (input, context) =>
    unwrap(await requester.removeFromBasket(getDb(), callerOf(context, 'user'), input.requestId, input.itemId)) ?? {
      removed: true,
    },
});

export const answerRequest = defineAction({
  accept: 'form',
  input: inputs.messageInput,
  handler: async (input, context) => ({
    state: unwrap(
      await requester.answerInformationRequest(getDb(), callerOf(context, 'user'), input.requestId, input.body),
    ).state,
  }),
});

export const withdrawRequest = defineAction({
  accept: 'form',
  input: inputs.optionalReasonInput,
  handler: async (input, context) => ({
    state: unwrap(await requester.withdrawRequest(getDb(), callerOf(context, 'user'), input.requestId, input.reason))
      .state,
  }),
});

export const confirmReceipt = defineAction({
  accept: 'form',
  input: inputs.receiptInput,
  handler: async (input, context) => ({
    state: unwrap(await requester.confirmReceipt(getDb(), callerOf(context, 'user'), input.requestId, input)).state,
  }),
});

export const reacceptAgreements = defineAction({
  accept: 'form',
  input: inputs.requestIdInput,
  handler: async (input, context) =>
    unwrap(await requester.reacceptAgreements(getDb(), callerOf(context, 'user'), input.requestId)) ?? {
      accepted: true,
    },
});

export const acknowledgeRecallNotice = defineAction({
  accept: 'form',
  input: inputs.noticeInput,
  handler: async (input, context) =>
    unwrap(await acknowledgeRecall(getDb(), callerOf(context, 'user'), input.noticeId)) ?? { acknowledged: true },
});

/** A message on the timeline, from the requester or from staff (staff may keep it internal). */
export const postRequestMessage = defineAction({
  accept: 'form',
  input: inputs.messageInput,
  handler: async (input, context) => {
    const caller = callerOf(context, 'user');
    return (
      unwrap(
        await staff.postMessage(
          getDb(),
          caller,
          input.requestId,
          input.body,
          caller.role !== 'requester' && input.internal === 'on',
        ),
      ) ?? { posted: true }
    );
  },
});

/** The institutional official's confirmation: anyone holding the mailed link. */
export const confirmAsOfficial = defineAction({
  accept: 'form',
  input: inputs.officialInput,
  handler: async (input) =>
    unwrap(
      await requester.answerAsOfficial(
        getDb(),
        input.token,
        input.decision === 'decline'
          ? { decision: 'decline', digest: input.digest, reason: input.reason }
          : { decision: 'confirm', digest: input.digest },
      ),
    ),
});

// ---- staff ----

export const startReview = defineAction({
  accept: 'form',
  input: inputs.requestIdInput,
  handler: async (input, context) => ({
    state: unwrap(await staff.startReview(getDb(), callerOf(context, 'staff'), input.requestId)).state,
  }),
});

export const saveChecklist = defineAction({
  accept: 'form',
  input: inputs.checklistInput,
  handler: async (input, context) => {
    const ticked = staff.checklistKeys.filter((k) => input[k] === 'on');
    return {
      checklist: unwrap(await staff.updateChecklist(getDb(), callerOf(context, 'staff'), input.requestId, ticked))
        .checklist,
    };
  },
});

export const askForInformation = defineAction({
  accept: 'form',
  input: inputs.messageInput,
  handler: async (input, context) => ({
    state: unwrap(await staff.requestInformation(getDb(), callerOf(context, 'staff'), input.requestId, input.body))
      .state,
  }),
});

export const approveRequest = defineAction({
  accept: 'form',
  input: inputs.approveInput,
  handler: async (input, context) => {
    const quantities = numbered(input, 'approve-');
    return {
      state: unwrap(
        await staff.approveRequest(getDb(), callerOf(context, 'staff'), input.requestId, {
          password: input.password,
          quantities,
          comment: input.comment || undefined,
        }),
      ).state,
    };
  },
});

export const rejectRequest = defineAction({
  accept: 'form',
  input: inputs.reasonInput,
  handler: async (input, context) => ({
    state: unwrap(await staff.rejectRequest(getDb(), callerOf(context, 'staff'), input.requestId, input.reason)).state,
  }),
});

export const cancelRequest = defineAction({
  accept: 'form',
  input: inputs.reasonInput,
  handler: async (input, context) => ({
    state: unwrap(await staff.cancelRequest(getDb(), callerOf(context, 'staff'), input.requestId, input.reason)).state,
  }),
});

export const reserveVials = defineAction({
  accept: 'form',
  input: inputs.reserveInput,
  handler: async (input, context) => ({
    state: unwrap(await reserveRequest(getDb(), callerOf(context, 'staff'), input.requestId, numbered(input, 'batch-')))
      .state,
  }),
});

export const releaseRequest = defineAction({
  accept: 'form',
  input: inputs.releaseInput,
  handler: async (input, context) => ({
    state: unwrap(await staff.releaseRequest(getDb(), callerOf(context, 'staff'), input.requestId, input.password))
      .state,
  }),
});

/** The operator prepares the outbound record and signs it ("executed"); nothing leaves yet. */
export const executeOutbound = defineAction({
  accept: 'form',
  input: inputs.outboundInput,
  handler: async (input, context) => ({
    state: unwrap(await staff.prepareOutbound(getDb(), callerOf(context, 'staff'), input.requestId, input)).state,
  }),
});

/** A second staff member reviews the outbound record and signs it ("reviewed"); the vials leave. */
export const reviewOutbound = defineAction({
  accept: 'form',
  input: inputs.releaseInput,
  handler: async (input, context) => ({
    state: unwrap(await staff.reviewOutbound(getDb(), callerOf(context, 'staff'), input.requestId, input.password))
      .state,
  }),
});

export const recordTransport = defineAction({
  accept: 'form',
  input: inputs.transportInput,
  handler: async (input, context) => {
    const { requestId, ...transport } = input;
    return {
      shipment: unwrap(await shipments.recordTransport(getDb(), callerOf(context, 'staff'), requestId, transport)).id,
    };
  },
});

export const recordArrival = defineAction({
  accept: 'form',
  input: inputs.arrivalInput,
  handler: async (input, context) => {
    const { requestId, ...arrival } = input;
    return {
      shipment: unwrap(await shipments.recordArrival(getDb(), callerOf(context, 'staff'), requestId, arrival)).id,
    };
  },
});

export const uploadLoggerFile = defineAction({
  accept: 'form',
  input: inputs.loggerInput,
  handler: async (input, context) => {
    const caller = callerOf(context, 'staff');
    const text = await input.loggerFile.text();
    return unwrap(
      await shipments.uploadLoggerFile(getDb(), caller, input.requestId, {
        name: input.loggerFile.name.slice(0, 200),
        text,
      }),
    );
  },
});

export const closeDeviation = defineAction({
  accept: 'form',
  input: inputs.closeDeviationInput,
  handler: async (input, context) =>
    unwrap(await shipments.closeDeviation(getDb(), callerOf(context, 'staff'), input.deviationId, input)) ?? {
      closed: true,
    },
});

export const closeRequest = defineAction({
  accept: 'form',
  input: inputs.optionalReasonInput,
  handler: async (input, context) => ({
    state: unwrap(
      await staff.closeRequest(getDb(), callerOf(context, 'staff'), input.requestId, input.reason || undefined),
    ).state,
  }),
});

export const setBatchReleaseStatus = defineAction({
  accept: 'form',
  input: inputs.batchStatusInput,
  handler: async (input, context) =>
    unwrap(await setBatchStatus(getDb(), callerOf(context, 'staff'), input.batchId, input)),
});

export const setBatchPrice = defineAction({
  accept: 'form',
  input: inputs.priceInput,
  handler: async (input, context) => {
    const caller = callerOf(context, 'staff');
    const batch = await batchById(getDb(), input.batchId);
    if (!batch) throw failureToError({ code: 'not_found' });
    return (
      unwrap(
        await setPrice(getDb(), caller, {
          lineId: batch.lineId,
          batchId: batch.id,
          wholeLine: input.wholeLine === 'on',
          useCategory: input.useCategory,
          amount: input.amount,
          currency: input.currency,
        }),
      ) ?? { saved: true }
    );
  },
});

// ---- admin ----

export const publishAgreementVersion = defineAction({
  accept: 'form',
  input: inputs.agreementInput,
  handler: async (input, context) => ({
    id: unwrap(await publishAgreement(getDb(), callerOf(context, 'admin'), input)).id,
  }),
});
