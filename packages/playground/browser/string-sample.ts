import type { Schema } from './openapi-hints.js';

/** What a string schema gets when it has no default, example or enum. */
const WORD = 'sample';

/**
 * A sample value for a string schema that its server accepts: within `minLength` and `maxLength`,
 * and matching its `pattern` when the pattern is simple (literals, `\d`, `\w`, character classes
 * and counted repeats); for any other pattern, a visible placeholder naming it.
 */
export function stringSample(schema: Schema): string {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? Number.POSITIVE_INFINITY;
  if (schema.pattern !== undefined) {
    const value = fromPattern(schema.pattern, min);
    let re: RegExp | undefined;
    try {
      re = new RegExp(schema.pattern, 'u');
    } catch {
      re = undefined;
    }
    if (value !== undefined && re?.test(value) === true && value.length >= min && value.length <= max) return value;
    return `<matching ${schema.pattern}>`;
  }
  return WORD.slice(0, max).padEnd(Math.min(min, max), 'x');
}

const CLASS_SAMPLE: Record<string, string> = { d: '0', w: 'a', s: ' ' };

/** One string the pattern matches, or `undefined` when it is not simple enough to read. */
function fromPattern(pattern: string, minLength: number): string | undefined {
  const body = pattern.replace(/^\^/, '').replace(/\$$/, '');
  let out = '';
  let i = 0;
  while (i < body.length) {
    let atom: string;
    const c = body[i]!;
    if (c === '\\') {
      const next = body[i + 1];
      if (next === undefined) return undefined;
      atom = CLASS_SAMPLE[next] ?? (/[A-Za-z0-9]/.test(next) ? '' : next);
      if (atom === '') return undefined;
      i += 2;
    } else if (c === '[') {
      const end = body.indexOf(']', i + 2);
      if (end < 0 || body[i + 1] === '^') return undefined;
      const first = body[i + 1]!;
      atom = first === '\\' ? (CLASS_SAMPLE[body[i + 2]!] ?? body[i + 2]!) : first;
      i = end + 1;
    } else if ('()|.*+?{}'.includes(c)) {
      return undefined;
    } else {
      atom = c;
      i++;
    }
    // Its repeat: at least once for +, never for * and ?, the lower bound of {n} or {n,m}.
    let times = 1;
    const q = body[i];
    if (q === '+') i++;
    else if (q === '*' || q === '?') {
      times = 0;
      i++;
    } else if (q === '{') {
      const m = /^\{(\d+)(?:,(\d*))?\}/.exec(body.slice(i));
      if (m === null) return undefined;
      times = Number(m[1]);
      i += m[0].length;
    }
    out += atom.repeat(times);
  }
  // Shorter than minLength: not stretched here; the caller shows the placeholder instead.
  return out.length >= minLength ? out : undefined;
}
