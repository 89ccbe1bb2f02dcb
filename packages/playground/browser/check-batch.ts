import { jsonErrorOffset } from './json-error-offset.js';

/** The batch dialects the example server speaks, by endpoint. */
export type Dialect = 'exago' | 'guidewire' | 'odata';

/** A batch endpoint the page can send to. */
export interface Endpoint {
  readonly path: string;
  readonly dialect: Dialect;
  readonly label: string;
  /** The prefix an item's path is relative to. */
  readonly apiBase: string;
}

/** The example server's batch endpoints. */
export const ENDPOINTS: readonly Endpoint[] = [
  { path: '/rest/batch', dialect: 'exago', label: 'Exago — POST /rest/batch', apiBase: '/rest/' },
  { path: '/rest/claim/v1/batch', dialect: 'guidewire', label: 'Guidewire — POST /rest/claim/v1/batch', apiBase: '/rest/claim/v1' },
  { path: '/rest/claim/v1/$batch', dialect: 'odata', label: 'OData — POST /rest/claim/v1/$batch', apiBase: '/rest/claim/v1' },
];

/** What one item of a batch asks for, as the results list labels it. */
export interface ItemLabel {
  readonly method: string;
  readonly path: string;
}

/** A batch text checked before sending: its JSON value and item labels, or why it cannot be sent. */
export type CheckedBatch =
  | { ok: true; body: unknown; items: ItemLabel[] }
  | { ok: false; message: string; line?: number; column?: number; offset?: number };

/** The names of an item's fields in each dialect. */
export const ITEM_FIELDS: Record<Dialect, { path: string; method: string; all: readonly string[] }> = {
  exago: { path: 'Url', method: 'Method', all: ['Url', 'Method', 'Payload'] },
  guidewire: { path: 'path', method: 'method', all: ['method', 'path', 'query', 'data', 'body', 'headers', 'onFail'] },
  odata: { path: 'url', method: 'method', all: ['id', 'method', 'url', 'headers', 'body', 'dependsOn', 'atomicityGroup', 'if'] },
};

const PLACEHOLDER = /(?<!\$)\{[A-Za-z_][\w.-]*\}/;

/** Parses the editor's text and checks it has the dialect's envelope, so mistakes show before sending. */
export function checkBatch(text: string, dialect: Dialect): CheckedBatch {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return jsonError(text, (error as Error).message);
  }
  const list = dialect === 'exago' ? body : (body as { requests?: unknown } | null)?.requests;
  const envelope = dialect === 'exago' ? 'a JSON array of {"Url", "Method", "Payload"}' : 'an object {"requests": [...]}';
  if (!Array.isArray(list)) return { ok: false, message: `The ${dialect} batch must be ${envelope}.` };
  if (list.length === 0) return { ok: false, message: 'The batch has no items.' };
  const fields = ITEM_FIELDS[dialect];
  const items: ItemLabel[] = [];
  for (const [i, item] of list.entries()) {
    const record = item as Record<string, unknown> | null;
    if (record === null || typeof record !== 'object' || Array.isArray(record))
      return { ok: false, message: `Item ${i} must be an object.` };
    const path = record[fields.path];
    const method = record[fields.method];
    if (typeof path !== 'string') return { ok: false, message: `Item ${i} needs "${fields.path}" (a string).` };
    if (typeof method !== 'string') return { ok: false, message: `Item ${i} needs "${fields.method}" (a string).` };
    if (dialect === 'odata' && typeof record.id !== 'string') return { ok: false, message: `Item ${i} needs "id" (a string).` };
    // A route's `{parameter}` left by "Add item" (a reference's `${...}` is not one).
    const placeholder = PLACEHOLDER.exec(path);
    if (placeholder !== null)
      return { ok: false, message: `Item ${i}: replace ${placeholder[0]} in its path with a value (a path parameter of the route).` };
    items.push({ method: method.toUpperCase(), path });
  }
  return { ok: true, body, items };
}

function jsonError(text: string, message: string): CheckedBatch {
  const offset = jsonErrorOffset(text) ?? text.length;
  const before = text.slice(0, offset).split('\n');
  const line = before.length;
  const column = before[before.length - 1]!.length + 1;
  // V8 names the position in some messages and not others; the line and column above are the page's own.
  const reason = message
    .replace(/\s*\(line \d+ column \d+\)/, '')
    .replace(/ (in JSON )?at position \d+/, '')
    .trim();
  return { ok: false, message: `Invalid JSON at line ${line}, column ${column}: ${reason}`, line, column, offset };
}
