import type { Query } from '../model/canonical.js';

/** Splits `path?query` into the path and a prototype-free query object (repeated names -> arrays). */
export function parseUrl(url: string): { path: string; query: Query } {
  const mark = url.indexOf('?');
  const path = mark < 0 ? url : url.slice(0, mark);
  const query: Query = Object.create(null);
  if (mark >= 0) {
    for (const [name, value] of new URLSearchParams(url.slice(mark + 1))) {
      const prev = query[name];
      query[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
    }
  }
  return { path, query };
}

/** Lower-cases header names and joins repeated values, into a prototype-free object. */
export function normalizeHeaders(raw: Record<string, string | string[] | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (raw === undefined) return out;
  for (const name of Object.keys(raw)) {
    const value = raw[name];
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
