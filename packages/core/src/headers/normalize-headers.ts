/**
 * Header names node:http keeps the first of when a request repeats them (`IncomingMessage.headers`,
 * Node 20: "Duplicates of age, authorization, content-length, content-type, etag, expires, from,
 * host, if-modified-since, if-unmodified-since, last-modified, location, max-forwards,
 * proxy-authorization, referer, retry-after, server, or user-agent are discarded").
 */
const FIRST_KEPT: ReadonlySet<string> = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

/**
 * Lower-cases header names and folds a header given more than once into one value, into a
 * prototype-free object. A JavaScript object (a WebSocket message's headers, a direct call's) can
 * only repeat a header by spelling its name in another case, or give it an array of values: each
 * such value counts as one header line, in the object's key order, and is folded as node:http folds
 * repeated lines, so a request reads alike over every transport (HTTP's headers come folded and
 * lower-case already, and pass unchanged): the first is kept for the names node discards the
 * repeats of ({@link FIRST_KEPT}), `cookie` values are joined with `; `, any other with `, `
 * (`set-cookie`, which node hands as an array, too). A value that is not text (an in-process
 * caller's number or object; refused by checkHeaderLimits before a request runs) is left out, so an
 * error answer can still read the rest.
 */
export function normalizeHeaders(raw: Readonly<Record<string, unknown>> | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (raw === undefined) return out;
  for (const name of Object.keys(raw)) {
    const value = raw[name];
    if (typeof value === 'string') add(out, lowerName(name), value);
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
      const lower = lowerName(name);
      for (const v of value as string[]) add(out, lower, v);
    }
  }
  return out;
}

/**
 * A header name in lower case, as HTTP lower-cases one: ASCII letters only when the name holds the
 * Kelvin sign (U+212A), which `toLowerCase` turns into an ASCII `k`: `\u212Aey` is not a token and
 * must not become `key` (the syntax check judges names once lowered). The one search is all other
 * names pay.
 */
function lowerName(name: string): string {
  return name.includes('\u212A') ? name.replace(/[A-Z]+/g, (letters) => letters.toLowerCase()) : name.toLowerCase();
}

/** Adds one header line's value to `out`, folded with the value already there as node:http folds it. */
function add(out: Record<string, string>, name: string, value: string): void {
  const prev = out[name];
  if (prev === undefined) out[name] = value;
  else if (!FIRST_KEPT.has(name)) out[name] = `${prev}${name === 'cookie' ? '; ' : ', '}${value}`;
}
