/**
 * RFC 4180 CSV, with formula-looking cells defused for spreadsheet users
 * (CWE-1236). A cell holding `;` is quoted too: spreadsheets in locales whose
 * list separator is `;` would split it.
 */
export function toCsv(rows: string[][]): string {
  const cell = (v: string) => {
    // Only a cell that could run something is defused. Digits with spaces and
    // phone punctuation (-190.5, +44 20 7946 0958, +86 (10) 6275-1234) name no
    // function or cell, so a reader sees them as written, with no apostrophe.
    const harmless = /^[+-]?[\d\s().\-/]*\d[\d\s().\-/]*$/.test(v);
    const safe = /^[=+\-@\t\r]/.test(v) && !harmless ? `'${v}` : v;
    return /[",;\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return `\uFEFF${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}
