/** The account mails, in the language the account chose at registration. */
import type { Locale } from '#i18n/index.ts';
import type { Mail } from './mail.ts';

type Template = (link: string) => { subject: string; body: string };

const templates: Record<'verifyEmail' | 'resetPassword' | 'alreadyRegistered', Record<Locale, Template>> = {
  verifyEmail: {
    en: (link) => ({
      subject: 'Confirm your email address',
      body: `Welcome to the Stem Cell Resource Portal.\n\nOpen this link within 24 hours to confirm your email address and activate your account:\n${link}\n\nIf you did not register, ignore this message.`,
    }),
    zh: (link) => ({
      subject: '请确认您的电子邮箱',
      body: `欢迎使用干细胞资源门户。\n\n请在 24 小时内打开以下链接，确认您的电子邮箱并激活账户：\n${link}\n\n如果您没有注册，请忽略此邮件。`,
    }),
  },
  resetPassword: {
    en: (link) => ({
      subject: 'Reset your password',
      body: `Someone asked to reset the password of your Stem Cell Resource Portal account.\n\nOpen this link within 1 hour to choose a new password (it works once):\n${link}\n\nIf it was not you, ignore this message: your password stays as it is.`,
    }),
    zh: (link) => ({
      subject: '重置您的密码',
      body: `有人请求重置您在干细胞资源门户的账户密码。\n\n请在 1 小时内打开以下链接设置新密码（链接仅可使用一次）：\n${link}\n\n如果不是您本人操作，请忽略此邮件，您的密码不会改变。`,
    }),
  },
  alreadyRegistered: {
    en: (link) => ({
      subject: 'You already have an account',
      body: `Someone tried to register at the Stem Cell Resource Portal with this email address, which already has an account.\n\nIf it was you, sign in, or reset your password here:\n${link}\n\nIf it was not you, ignore this message.`,
    }),
    zh: (link) => ({
      subject: '您已有账户',
      body: `有人尝试用此电子邮箱在干细胞资源门户注册，但该邮箱已有账户。\n\n如果是您本人，请直接登录，或在此重置密码：\n${link}\n\n如果不是您本人，请忽略此邮件。`,
    }),
  },
};

export function composeMail(kind: keyof typeof templates, locale: Locale, to: string, link: string): Mail {
  return { to, ...templates[kind][locale](link) };
}
