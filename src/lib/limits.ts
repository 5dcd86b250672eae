/**
 * The size limits of uploaded files, in one place: the form schemas refuse a
 * larger file with a message, the edge lets an upload's body through up to the
 * file limit plus the form around it, the logger reader stops at the readings
 * cap, and the help texts quote these numbers (src/i18n/messages/requests.ts),
 * so a change here changes all of them. Plain constants: islands may read them.
 */

const MiB = 1024 * 1024;

/** A temperature data logger's export (the request chain's and the bank's receipt). */
export const LOGGER_FILE_MAX_MIB = 5;
export const LOGGER_FILE_MAX_BYTES = LOGGER_FILE_MAX_MIB * MiB;

/** Readings in one logger file: a 5 MiB portal CSV holds about this many lines. */
export const LOGGER_MAX_READINGS = 200_000;

/** What a multipart form adds around the file (boundaries, part headers, the other fields, the CSRF token). */
export const FORM_OVERHEAD_BYTES = 1 * MiB;

/** The body the edge lets through for an upload action: the file limit plus the form around it. */
export const UPLOAD_BODY_MAX_BYTES = LOGGER_FILE_MAX_BYTES + FORM_OVERHEAD_BYTES;
