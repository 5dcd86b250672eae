/**
 * The one CSV reader (RFC 4180: quotes, doubled quotes, newlines inside
 * quotes) and TSV reader (no quoting), for the catalog importer and the data
 * logger files alike. Each remembers the physical line a record starts on, so
 * every error can say `FILE:LINE`. Blank rows and rows starting with `#` are
 * skipped; a reader that gives `#` lines a meaning (the logger's `# key: value`
 * header) gets them through `onComment`.
 *
 * Hand-written rather than csv-parse: csv-parse reports the line a record
 * ends on (a quoted cell may span lines) and treats `#` inside a row as a
 * comment unless told otherwise; the files are small (the import and upload
 * limits bound them), so reading them whole costs nothing.
 */
export interface DelimitedRecord {
  line: number;
  cells: string[];
}

export function parseTsv(text: string): DelimitedRecord[] {
  const records: DelimitedRecord[] = [];
  const rows = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (row.trim() === '' || row.startsWith('#')) continue;
    records.push({ line: i + 1, cells: row.split('\t') });
  }
  return records;
}

export class CsvSyntaxError extends Error {
  constructor(
    public line: number,
    message: string,
  ) {
    super(message);
  }
}

export interface CsvOptions {
  /** Called with each skipped `#` row, its line and its text (the record's cells joined back). */
  onComment?: (line: number, text: string) => void;
}

export function parseCsv(text: string, options: CsvOptions = {}): DelimitedRecord[] {
  const src = text.replace(/^\uFEFF/, '');
  const records: DelimitedRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  let quoted = false;
  let quoteStart = 0;
  const endRecord = () => {
    cells.push(cell);
    const blank = cells.length === 1 && cells[0]!.trim() === '';
    if (blank) {
      // nothing: blank rows separate nothing
    } else if (cells[0]!.startsWith('#')) options.onComment?.(recordLine, cells.join(','));
    else records.push({ line: recordLine, cells });
    cells = [];
    cell = '';
  };
  while (i < src.length) {
    const ch = src[i]!;
    if (quoted) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      if (ch === '\n') line++;
      cell += ch;
      i++;
      continue;
    }
    if (ch === '"' && cell === '') {
      quoted = true;
      quoteStart = line;
      i++;
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
      i++;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      cell += ch;
      i++;
    }
  }
  if (quoted) throw new CsvSyntaxError(quoteStart, 'unterminated quoted cell');
  if (cell !== '' || cells.length) endRecord();
  return records;
}
