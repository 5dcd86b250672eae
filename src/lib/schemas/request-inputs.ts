/**
 * One Zod schema per input of the request chain, shared by the actions and
 * the JSON API. Error messages are message keys (src/i18n/messages/*): forms
 * translate them. Every text is trimmed and bounded.
 */
import { z } from 'zod';
import { useCategories, requestStates } from '#db/schema/requests.ts';
import { releaseStatuses } from '#db/schema/batches.ts';
import { LOGGER_FILE_MAX_BYTES } from '#lib/limits.ts';
import { calendarDate, id, isCalendarDate } from './ids.ts';

const required = 'auth.error.required';
// Astro hands an empty form field to the schema as null: an optional text is then ''.
const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max, 'auth.error.tooLong')
    .nullish()
    .transform((v) => v ?? '');
const requiredText = (max: number) => z.string(required).trim().min(1, required).max(max, 'auth.error.tooLong');
const vials = z.coerce.number(required).int('request.error.required').min(1, required).max(1000, 'auth.error.tooLong');
const password = z.string(required).min(1, required).max(256, 'auth.error.passwordTooLong');
// Bounded ids and real calendar dates (shared with the other schemas): out-of-range values are a 400, not a database error.
const isoDate = calendarDate;
const temperature = z.coerce.number(required).min(-273.15, required).max(200, required);
const dateTime = z
  .string(required)
  .trim()
  .refine(
    (v) =>
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(v) &&
      isCalendarDate(v.slice(0, 10)) &&
      !Number.isNaN(new Date(v).getTime()),
    required,
  )
  // A datetime-local field has no zone: the forms say UTC.
  .transform((v) => new Date(/(Z|[+-]\d{2}:?\d{2})$/i.test(v) ? v : `${v}Z`));

export const addToBasketInput = z.object({ line: requiredText(200), batch: text(200), quantity: vials });

export const requestIdInput = z.object({ requestId: id });

export const draftInput = z.object({
  requestId: id,
  projectTitle: text(300),
  purpose: text(2000),
  principalInvestigator: text(200),
  institution: text(300),
  ethicsReference: text(200),
  useCategory: z
    .enum(useCategories, required)
    .nullish()
    .transform((v) => v ?? 'research'),
  shippingAddress: text(1000),
  contactPhone: text(60),
  contactEmail: text(254),
  officialName: text(200),
  // One address, no list: the official gets one mail (issue 15 rule 10).
  officialEmail: text(254).refine((v) => v === '' || z.email().safeParse(v).success, 'auth.error.email'),
  /** Submit after saving. */
  submit: z.string().optional(),
  acceptAgreement: z.string().optional(),
});

export const removeItemInput = z.object({ requestId: id, itemId: id });
export const messageInput = z.object({ requestId: id, body: requiredText(4000), internal: z.string().optional() });
export const reasonInput = z.object({ requestId: id, reason: requiredText(2000) });
export const optionalReasonInput = z.object({ requestId: id, reason: text(2000) });
/** The receipt: the condition, and what the requester knows of the arrival (optional; staff confirm it into the transport record). */
export const receiptInput = z.object({
  requestId: id,
  condition: requiredText(1000),
  arrivedAt: z
    .union([z.literal(''), z.null(), z.undefined(), dateTime])
    .transform((v) => (v instanceof Date ? v : undefined)),
  receiver: text(200),
  arrivalTempC: z
    .union([z.literal(''), z.null(), z.undefined(), temperature])
    .transform((v) => (typeof v === 'number' ? v : undefined)),
});
/** The official's answer: the token of the link, the digest of what the page showed, confirm or decline (with a reason). */
export const officialInput = z.object({
  token: z.string(required).min(1, required).max(200, required),
  digest: z.string(required).regex(/^[0-9a-f]{64}$/, required),
  decision: z.enum(['confirm', 'decline']).default('confirm'),
  reason: text(2000),
});
export const noticeInput = z.object({ noticeId: id });

export const checklistInput = z.object({
  requestId: id,
  agreement: z.string().optional(),
  ethics: z.string().optional(),
  terms: z.string().optional(),
  grade: z.string().optional(),
  official: z.string().optional(),
});

/** Approved vials per item come as `approve-<itemId>` fields. */
export const approveInput = z.looseObject({ requestId: id, password, comment: text(2000) });
/** Batch choices come as `batch-<itemId>` fields (batch ids). */
export const reserveInput = z.looseObject({ requestId: id });
export const releaseInput = z.object({ requestId: id, password });
export const outboundInput = z.object({ requestId: id, password, plannedDate: isoDate, actualDate: isoDate });

export const transportInput = z.object({
  requestId: id,
  dispatchAt: dateTime,
  dispatchPlace: requiredText(300),
  dispatchTempC: temperature,
  requiredMinC: temperature,
  requiredMaxC: temperature,
  batchNumbers: requiredText(500),
  quantity: vials,
  deviceNumber: requiredText(100),
  vehicle: requiredText(200),
  carrier: requiredText(200),
  courier: requiredText(200),
  trackingNumber: text(200),
});

export const arrivalInput = z.object({
  requestId: id,
  arrivalAt: dateTime,
  arrivalPlace: requiredText(300),
  arrivalTempC: temperature,
  receiver: requiredText(200),
});

/** The logger file: at most LOGGER_FILE_MAX_BYTES of text. */
export const loggerInput = z.object({
  requestId: id,
  loggerFile: z
    .instanceof(File, { message: required })
    .refine((f) => f.size > 0, required)
    .refine((f) => f.size <= LOGGER_FILE_MAX_BYTES, 'auth.error.tooLong'),
});

export const closeDeviationInput = z.object({
  requestId: id,
  deviationId: id,
  assessment: requiredText(4000),
  password,
});

export const batchStatusInput = z.object({
  batchId: id,
  status: z.enum(releaseStatuses, required),
  reason: requiredText(2000),
  password,
});

export const agreementInput = z.object({
  code: z
    .string(required)
    .trim()
    .regex(/^[a-z0-9][a-z0-9-]{1,60}$/, required),
  title: requiredText(300),
  version: requiredText(40),
  effectiveDate: isoDate,
  body: requiredText(200_000),
});

export const queueFiltersInput = z.object({
  state: z.enum(requestStates).optional().catch(undefined),
  line: z.string().trim().max(100).optional().catch(undefined),
  institution: z.string().trim().max(200).optional().catch(undefined),
  olderThanDays: z.coerce.number().int().min(0).max(3650).optional().catch(undefined),
});

export const registerRangeInput = z.object({
  from: isoDate,
  to: isoDate,
  lang: z.enum(['en', 'zh']).default('en'),
});

export const priceInput = z.object({
  batchId: id,
  useCategory: z.enum(useCategories, required),
  amount: z
    .string(required)
    .trim()
    .regex(/^\d{1,9}(\.\d{1,2})?$/, required),
  currency: z
    .string(required)
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{3}$/, required),
  wholeLine: z.string().nullish(),
});
