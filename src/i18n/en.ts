/** English strings. The Chinese file must carry the same keys (checked by the type). */
export const en = {
  'site.name': 'Stem Cell Resource Portal',
  'site.tagline': 'Search the bank’s human iPSC, hES and MSC lines and their quality-tested batches.',
  'nav.main': 'Main',
  'nav.home': 'Home',
  'nav.search': 'Search',
  'nav.statistics': 'Statistics',
  'nav.clinical': 'Clinical trials',
  'nav.signIn': 'Sign in',
  'nav.account': 'Account',
  'nav.skip': 'Skip to content',
  'lang.label': 'Language',
  'lang.en': 'English',
  'lang.zh': '中文',
  'search.label': 'Search lines and batches',
  'search.placeholder': 'e.g. parkinson ipsc, WA09, HPSI0114i',
  'search.submit': 'Search',
  'search.clear': 'Clear',
  'search.hint': 'Press Enter to search for “{q}”',
  'search.examples': 'Try',
  'home.audiences': 'Who it is for',
  'home.researchers': 'Researchers search and browse lines and batches, with QC results, without an account.',
  'home.requesters': 'Requesters sign in to ask for vials and follow their requests to delivery.',
  'home.staff': 'Bank staff review requests, reserve stock and keep a tamper-evident outbound record.',
  'footer.data': 'Catalog data includes public metadata from HipSci, the Allen Cell Collection, hPSCreg and Cellosaurus.',
  'footer.sources': 'Data sources',
  'footer.api': 'API',
  'error.notFound': 'Page not found',
  'error.notFoundBody': 'Nothing lives at this address.',
} as const;

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;
