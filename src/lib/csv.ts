/**
 * RFC 4180 CSV, with formula-looking cells defused for spreadsheet users
 * (CWE-1236). A cell holding `;` is quoted too: spreadsheets in locales whose
 * list separator is `;` would split it.
 */
export function toCsv(rows: string[][]): string {
  const cell = (v: string) => {
    // A plain (negative) number is data, not a formula: -190.5 stays a number.
    const safe = /^[=+\-@\t\r]/.test(v) && !/^-?\d+(\.\d+)?$/.test(v) ? `'${v}` : v;
    return /[",;\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return `\uFEFF${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}
