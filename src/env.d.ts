/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    /** The page's language, set by the middleware from the URL. */
    locale: import('./i18n/index.ts').Locale;
    /** The path without its locale prefix, e.g. `/search` for `/zh/search`. */
    pathWithoutLocale: string;
  }
}
