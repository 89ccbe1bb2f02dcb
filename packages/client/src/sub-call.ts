import type { SubCall, SubResult } from './client-dialect.js';
import { errorCodeOf } from './client-error.js';
import type { AnyResult, Method } from './client-types.js';

/** What a call's init holds at run time, whatever its types said. */
export interface LooseInit {
  params?: { path?: Record<string, unknown>; query?: Record<string, unknown> };
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  batch?: false;
}

/** Fills a path template (`/rest/Roles/{id}`) and flattens the init into a {@link SubCall}. */
export function toSubCall(method: Method, template: string, init: LooseInit = {}): SubCall {
  const params = init.params?.path ?? {};
  const path = !template.includes('{')
    ? template
    : template.replace(/\{([^}]+)\}/g, (_, name: string) => {
        const value = params[name];
        if (value === undefined) throw new TypeError(`${method} ${template}: path parameter ${name} is missing`);
        const text = String(value);
        // A reference (`${0/body/Id}`) travels as written: the engine encodes the value it resolves to.
        return text.includes('${') ? text : encodeSegment(text);
      });
  const query: Record<string, string> = {};
  const given = init.params?.query;
  if (given !== undefined) for (const name in given) if (given[name] !== undefined) query[name] = String(given[name]);
  return { method, path, query, headers: init.headers === undefined ? {} : { ...init.headers }, body: init.body };
}

/** A sub-response as the caller sees it: `data` on 2xx, `error` (with its code) otherwise. */
export function toResult(sub: SubResult): AnyResult {
  if (sub.status >= 200 && sub.status < 300) return { ok: true, status: sub.status, headers: sub.headers, data: sub.body as never };
  return { ok: false, status: sub.status, headers: sub.headers, error: sub.body as never, code: errorCodeOf(sub.body) };
}

/** Percent-encodes one path segment, keeping `:` and `@` as RFC 3986 allows (`cc:22` stays readable). */
function encodeSegment(text: string): string {
  if (/^[\w.~:@-]*$/.test(text)) return text;
  return encodeURIComponent(text).replace(/%3A/gi, ':').replace(/%40/g, '@');
}
