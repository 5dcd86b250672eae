import { defineMiddleware, sequence } from 'astro:middleware';
import { splitLocale } from './i18n/index.ts';

/** `/zh/...` renders the same page as `/...`, in Chinese. */
const locale = defineMiddleware((context, next) => {
  const { locale, path } = splitLocale(context.url.pathname);
  context.locals.locale = locale;
  context.locals.pathWithoutLocale = path;
  if (locale !== 'en') {
    return next(new URL(path + context.url.search, context.url));
  }
  return next();
});

export const onRequest = sequence(locale);
