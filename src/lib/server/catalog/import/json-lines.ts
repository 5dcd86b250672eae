/**
 * The line on which each element of a JSON file's record arrays starts, so
 * JSON imports can report `FILE:LINE` like CSV ones. Keys: '' for a top-level
 * array, else the top-level property name ('lines', 'batches', 'qc').
 */
export function jsonElementLines(text: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  let line = 1;
  let depth = 0;
  let inString = false;
  let topKey = '';
  let lastString = '';
  let stringStart = 0;
  let arrayKeyAtDepth1: string | undefined;
  let expectingValue = true;
  const topIsArray = text.trimStart().startsWith('[');
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\n') line++;
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') {
        inString = false;
        lastString = text.slice(stringStart, i);
      }
      continue;
    }
    const elementDepth = topIsArray ? 1 : 2;
    const arrayKey = topIsArray ? '' : arrayKeyAtDepth1;
    if (depth === elementDepth && expectingValue && arrayKey !== undefined && !/[\s,\]]/.test(ch)) {
      const list = out.get(arrayKey) ?? [];
      list.push(line);
      out.set(arrayKey, list);
      expectingValue = false;
    }
    if (ch === '"') {
      inString = true;
      stringStart = i + 1;
    } else if (ch === ':' && depth === 1 && !topIsArray) {
      topKey = lastString;
    } else if (ch === '[' || ch === '{') {
      depth++;
      if (depth === 2 && !topIsArray) arrayKeyAtDepth1 = ch === '[' ? topKey : undefined;
      if (depth === elementDepth) expectingValue = true;
    } else if (ch === ']' || ch === '}') {
      depth--;
    } else if (ch === ',' && depth === elementDepth) {
      expectingValue = true;
    }
  }
  return out;
}
