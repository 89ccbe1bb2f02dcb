import { type Dialect, ITEM_FIELDS } from './check-batch.js';
import type { Suggestion, Suggestions } from './completion.js';
import { jsonContextAt } from './json-context.js';
import { type RouteHint, resolve, type Schema } from './openapi-hints.js';

/** Completion of a batch text: item fields, paths and methods of the API's routes, payload fields from their schemas. */
export function batchSuggestions(
  text: string,
  offset: number,
  dialect: Dialect,
  routes: readonly RouteHint[],
  doc: unknown,
): Suggestions | undefined {
  const ctx = jsonContextAt(text, offset);
  if (ctx === undefined) return undefined;
  const fields = ITEM_FIELDS[dialect];
  const itemDepth = dialect === 'exago' ? 1 : 2;
  const quote = (s: string) => (ctx.quoted ? JSON.stringify(s).slice(1, -1) : JSON.stringify(s));
  const keyOf = (name: string) => (ctx.quoted ? quote(name) : `${JSON.stringify(name)}: `);
  const matching = (items: Suggestion[]) => {
    const prefix = ctx.prefix.toLowerCase();
    const out = items.filter((s) => s.label.toLowerCase().includes(prefix));
    return out.length === 0
      ? undefined
      : { items: out.slice(0, 50), start: ctx.start, end: ctx.end, whileTyping: ctx.quoted && ctx.prefix !== '' };
  };
  const item = ctx.fields[itemDepth] ?? {};
  const inItem = ctx.path.length === itemDepth && (dialect === 'exago' || ctx.path[0] === 'requests');

  if (inItem && ctx.kind === 'key') {
    return matching(fields.all.filter((f) => item[f] === undefined).map((f) => ({ label: f, insert: keyOf(f) })));
  }
  if (inItem && ctx.kind === 'value' && ctx.key === fields.path) {
    const byPath = new Map<string, string[]>();
    for (const r of routes) byPath.set(r.path, [...(byPath.get(r.path) ?? []), r.method]);
    return matching([...byPath].map(([path, methods]) => ({ label: path, detail: methods.join(' '), insert: quote(path) })));
  }
  if (inItem && ctx.kind === 'value' && ctx.key === fields.method) {
    const path = item[fields.path];
    const known = routes.filter((r) => path === undefined || matches(r, path)).map((r) => r.method);
    const methods = [...new Set(known.length > 0 ? known : ['GET', 'POST', 'PATCH', 'DELETE'])];
    return matching(methods.map((m) => (dialect === 'guidewire' ? m.toLowerCase() : m)).map((m) => ({ label: m, insert: quote(m) })));
  }
  if (ctx.kind !== 'key' || ctx.path.length <= itemDepth) return undefined;
  // A payload field: find the item's route, then walk its schema down to the object being written.
  const path = item[fields.path];
  const method = item[fields.method]?.toUpperCase();
  const route = routes.find((r) => r.method === method && path !== undefined && matches(r, path) && r.payload !== undefined);
  if (route === undefined) return undefined;
  const [field, ...rest] = ctx.path.slice(itemDepth);
  let schema: Schema | undefined;
  if (dialect === 'exago' && field === 'Payload') schema = route.payload;
  else if (dialect === 'guidewire' && field === 'data') schema = resolve(doc, route.payload?.properties?.data);
  else if (dialect !== 'exago' && field === 'body') schema = route.payload;
  for (const step of rest) {
    if (schema === undefined || typeof step === 'number') return undefined;
    schema = resolve(doc, schema.properties?.[step]);
  }
  const written = ctx.fields[ctx.fields.length - 1] ?? {};
  const props = Object.entries(schema?.properties ?? {});
  return matching(
    props
      .filter(([name]) => written[name] === undefined)
      .map(([name, s]) => ({ label: name, detail: typeOf(resolve(doc, s)), insert: keyOf(name) })),
  );
}

/** Whether an item's path is one of the route's (its template's parameters match any segment). */
function matches(route: RouteHint, path: string): boolean {
  const pattern = route.template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
  return new RegExp(`^${pattern}(\\?.*)?$`).test(path);
}

function typeOf(s: Schema | undefined): string | undefined {
  if (s?.enum !== undefined) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  return Array.isArray(s?.type) ? s.type.join(' | ') : s?.type;
}
