import { RestBatchError } from '../errors/restbatch-error.js';

/**
 * Rewrites single-quoted strings (`{'Url':'Sessions'}`, as Exago's curl example sends) into
 * standard JSON strings. Double-quoted strings pass through untouched; everything else is left
 * for the strict parser to judge.
 */
export function singleQuotesToJson(text: string): string {
  if (!text.includes("'")) return text;
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; i < n && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      out += text.slice(start, i + 1);
      i++;
    } else if (c === "'") {
      const start = i;
      let value = '';
      for (i++; i < n && text[i] !== "'"; i++) {
        if (text[i] === '\\' && text[i + 1] === "'") {
          value += "'";
          i++;
        } else if (text[i] === '\\') {
          value += text[i] + (text[i + 1] ?? '');
          i++;
        } else if (text[i] === '"') {
          value += '\\"';
        } else {
          value += text[i];
        }
      }
      if (i >= n) {
        throw new RestBatchError('JSON_MALFORMED', `Unterminated single-quoted string at position ${start}`, {
          details: { position: start },
        });
      }
      out += `"${value}"`;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
