/**
 * Account actions. Forms post to them without JavaScript (`method="POST"
 * action={actions.x}`); pages read the outcome with Astro.getActionResult.
 * Each handler is thin: validate (the Zod input), check access, call a service.
 */
import { ActionError, defineAction, type ActionAPIContext } from 'astro:actions';
import {
  accountIdInput,
  changePasswordInput,
  changeRoleInput,
  forgotPasswordInput,
  profileInput,
  registerInput,
  resetPasswordInput,
  revokeSessionInput,
  safeReturnPath,
  signInInput,
  verifyEmailInput,
} from '../lib/account-inputs.ts';
import * as accounts from '#server/accounts/accounts.ts';
import { registerAccount, sendEmailVerification, verifyEmailToken } from '#server/accounts/email-verification.ts';
import { requestPasswordReset, resetPassword } from '#server/accounts/password-reset.ts';
import { getDb } from '#server/platform/runtime.ts';
import {
  deleteSessionCookie,
  invalidateOwnSession,
  invalidateSession,
  setDeviceCookie,
  setSessionCookie,
} from '#server/accounts/session.ts';
import { deviceCookieName } from '#server/accounts/trust.ts';
import { mailKeys, throttleWait } from '#server/accounts/throttle.ts';
import { answerUnexpected, clientOf, isProduction, requireUser } from './context.ts';
import { publicOrigin } from '#server/platform/config.ts';
import * as requests from './requests.ts';
import * as bank from './bank.ts';
import { deleteSavedSearch, saveSearch, setSearchAlert } from './saved-searches.ts';

/** A refused admin change, as the form shows it. */
function adminOutcome(result: accounts.AdminChangeResult) {
  if (result === 'not_found') throw new ActionError({ code: 'NOT_FOUND', message: 'no such account' });
  if (result === 'self') throw new ActionError({ code: 'BAD_REQUEST', message: 'auth.error.self' });
  return { saved: true };
}

/** Registration from a client address past its mail-form limit: 429 (seconds to wait in the message), no account made. */
async function limitRegistration(email: string, context: ActionAPIContext) {
  const wait = await throttleWait(
    getDb(),
    mailKeys(email, clientOf(context).ipAddress).filter((k) => k.key.startsWith('mail-address:')),
  );
  if (wait > 0) throw new ActionError({ code: 'TOO_MANY_REQUESTS', message: String(wait) });
}

const register = defineAction({
  accept: 'form',
  input: registerInput,
  handler: async (input, context) => {
    await limitRegistration(input.email, context);
    const { next, ...account } = input;
    await registerAccount(getDb(), account, publicOrigin(), clientOf(context), safeReturnPath(next));
    return { registered: true };
  },
});

const signIn = defineAction({
  accept: 'form',
  input: signInInput,
  handler: async (input, context) => {
    const deviceToken = context.cookies.get(deviceCookieName(isProduction()))?.value;
    const result = await accounts.signIn(getDb(), {
      email: input.email,
      password: input.password,
      deviceToken,
      ...clientOf(context),
    });
    if (result.ok) {
      setSessionCookie(context.cookies, result.token, result.expiresAt, isProduction());
      setDeviceCookie(context.cookies, result.deviceToken, isProduction());
      return { next: safeReturnPath(input.next) };
    }
    if (result.reason === 'throttled') {
      throw new ActionError({ code: 'TOO_MANY_REQUESTS', message: String(result.retryAfterSeconds) });
    }
    if (result.reason === 'unverified') {
      await sendEmailVerification(getDb(), result.account, publicOrigin());
      throw new ActionError({ code: 'FORBIDDEN', message: 'auth.error.unverified' });
    }
    throw new ActionError({ code: 'UNAUTHORIZED', message: 'auth.error.invalidCredentials' });
  },
});

const signOut = defineAction({
  accept: 'form',
  handler: async (_input, context) => {
    if (context.locals.session) await invalidateSession(getDb(), context.locals.session.id);
    deleteSessionCookie(context.cookies, isProduction());
    context.locals.user = null;
    context.locals.session = null;
    return { signedOut: true };
  },
});

const verifyEmail = defineAction({
  accept: 'form',
  input: verifyEmailInput,
  handler: async (input) => {
    if (!(await verifyEmailToken(getDb(), input.token)))
      throw new ActionError({ code: 'BAD_REQUEST', message: 'auth.error.tokenInvalid' });
    return { verified: true, next: safeReturnPath(input.next) };
  },
});

const requestPasswordResetAction = defineAction({
  accept: 'form',
  input: forgotPasswordInput,
  handler: async (input, context) => {
    // Never refused: past the limits the mail is dropped silently (password-reset.ts), the answer is the same.
    await requestPasswordReset(getDb(), input.email, publicOrigin(), clientOf(context));
    return { sent: true };
  },
});

const resetPasswordAction = defineAction({
  accept: 'form',
  input: resetPasswordInput,
  handler: async (input) => {
    if (!(await resetPassword(getDb(), input.token, input.newPassword)))
      throw new ActionError({ code: 'BAD_REQUEST', message: 'auth.error.tokenInvalid' });
    return { reset: true };
  },
});

const updateProfile = defineAction({
  accept: 'form',
  input: profileInput,
  handler: async (input, context) => {
    const user = requireUser(context, 'user');
    await accounts.updateProfile(getDb(), user.id, input);
    return { saved: true };
  },
});

const changePassword = defineAction({
  accept: 'form',
  input: changePasswordInput,
  handler: async (input, context) => {
    const user = requireUser(context, 'user');
    const fresh = await accounts.changePassword(getDb(), {
      accountId: user.id,
      currentPassword: input.currentPassword,
      newPassword: input.newPassword,
      ...clientOf(context),
    });
    if (!fresh.ok && fresh.reason === 'throttled')
      throw new ActionError({ code: 'TOO_MANY_REQUESTS', message: String(fresh.retryAfterSeconds) });
    if (!fresh.ok) throw new ActionError({ code: 'BAD_REQUEST', message: 'auth.error.wrongPassword' });
    setSessionCookie(context.cookies, fresh.token, fresh.expiresAt, isProduction());
    return { changed: true };
  },
});

const revokeSession = defineAction({
  accept: 'form',
  input: revokeSessionInput,
  handler: async (input, context) => {
    const user = requireUser(context, 'user');
    if (!(await invalidateOwnSession(getDb(), user.id, input.sessionId)))
      throw new ActionError({ code: 'NOT_FOUND', message: 'no such session' });
    return { revoked: true };
  },
});

const changeRole = defineAction({
  accept: 'form',
  input: changeRoleInput,
  handler: async (input, context) => {
    const admin = requireUser(context, 'admin');
    return adminOutcome(await accounts.changeRole(getDb(), admin.id, input.accountId, input.role));
  },
});

/** Disabling ends the account's sessions; enabling lets it sign in again. */
const setDisabledAction = (disabled: boolean) =>
  defineAction({
    accept: 'form',
    input: accountIdInput,
    handler: async (input, context) => {
      const admin = requireUser(context, 'admin');
      return adminOutcome(await accounts.setAccountDisabled(getDb(), admin.id, input.accountId, disabled));
    },
  });

const disableAccount = setDisabledAction(true);
const enableAccount = setDisabledAction(false);

// One name per line: tests/integration/authorization.test.ts reads this list.
export const server = {
  register,
  signIn,
  signOut,
  verifyEmail,
  requestPasswordReset: requestPasswordResetAction,
  resetPassword: resetPasswordAction,
  updateProfile,
  changePassword,
  revokeSession,
  changeRole,
  disableAccount,
  enableAccount,
  addToBasket: requests.addToBasket,
  saveRequest: requests.saveRequest,
  removeRequestItem: requests.removeRequestItem,
  answerRequest: requests.answerRequest,
  withdrawRequest: requests.withdrawRequest,
  confirmReceipt: requests.confirmReceipt,
  reacceptAgreements: requests.reacceptAgreements,
  acknowledgeRecallNotice: requests.acknowledgeRecallNotice,
  postRequestMessage: requests.postRequestMessage,
  confirmAsOfficial: requests.confirmAsOfficial,
  startReview: requests.startReview,
  saveChecklist: requests.saveChecklist,
  askForInformation: requests.askForInformation,
  approveRequest: requests.approveRequest,
  rejectRequest: requests.rejectRequest,
  cancelRequest: requests.cancelRequest,
  reserveVials: requests.reserveVials,
  releaseRequest: requests.releaseRequest,
  executeOutbound: requests.executeOutbound,
  reviewOutbound: requests.reviewOutbound,
  recordTransport: requests.recordTransport,
  recordArrival: requests.recordArrival,
  uploadLoggerFile: requests.uploadLoggerFile,
  closeDeviation: requests.closeDeviation,
  closeRequest: requests.closeRequest,
  setBatchReleaseStatus: requests.setBatchReleaseStatus,
  setBatchPrice: requests.setBatchPrice,
  publishAgreementVersion: requests.publishAgreementVersion,
  saveSearch,
  deleteSavedSearch,
  setSearchAlert,
  receiveBankBatch: bank.receiveBankBatch,
  createBankStorageUnit: bank.createBankStorageUnit,
  createBankStorageBox: bank.createBankStorageBox,
  storeBankVials: bank.storeBankVials,
  moveBankVial: bank.moveBankVial,
  checkBankLocation: bank.checkBankLocation,
  recordBankIntakeTest: bank.recordBankIntakeTest,
  recordBankReleaseTest: bank.recordBankReleaseTest,
  assessBankDeviation: bank.assessBankDeviation,
  destroyBankVials: bank.destroyBankVials,
  pickRequestVials: bank.pickRequestVials,
  scanPickLabel: bank.scanPickLabel,
};

// An error an action did not expect answers a generic message with the request id (context.ts).
answerUnexpected(server);
