/**
 * Each area of the portal keeps its strings in one file under messages/,
 * English and Simplified Chinese side by side; the type demands that the
 * Chinese half has exactly the English keys.
 */
export function defineMessages<const E extends Record<string, string>>(messages: {
  en: E;
  zh: { [K in keyof E]: string };
}) {
  return messages;
}
