import { isLocalPointer, isRecord } from './local-pointers.js';

/** Keywords whose values are data, not subschemas: never rewritten. */
const DATA = ['const', 'enum', 'default', 'examples', 'example'];

/**
 * `schema` (draft-07, as routes declare it) in JSON Schema 2020-12, which OpenAPI 3.1 reads: a tuple
 * `items: [...]` becomes `prefixItems`, and its `additionalItems` becomes `items`, at any depth;
 * the schema's own `#…` pointers through them follow. Another schema is returned equal.
 */
export function toPrefixItems(schema: unknown): unknown {
  if (!holdsTuple(schema)) return schema;
  return rewrite(schema, (pointer) => movedPointer(schema, pointer));
}

function rewrite(value: unknown, move: (pointer: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => rewrite(v, move));
  if (!isRecord(value)) return value;
  const tuple = Array.isArray(value.items);
  const copy: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (DATA.includes(key)) copy[key] = v;
    else if (key === '$ref' && isLocalPointer(v)) copy[key] = move(v);
    else if (tuple && key === 'items') copy.prefixItems = rewrite(v, move);
    else if (tuple && key === 'additionalItems') copy.items = rewrite(v, move);
    else copy[key] = rewrite(v, move);
  }
  return copy;
}

/** `pointer` into `root` with each `items/<n>` of a tuple as `prefixItems/<n>` and its `additionalItems` as `items`. */
function movedPointer(root: unknown, pointer: string): string {
  const segments = pointer === '#' ? [] : pointer.slice(2).split('/');
  let node: unknown = root;
  const out: string[] = [];
  for (const segment of segments) {
    const tuple = isRecord(node) && Array.isArray(node.items);
    if (tuple && segment === 'items') out.push('prefixItems');
    else if (tuple && segment === 'additionalItems') out.push('items');
    else out.push(segment);
    const name = segment.replaceAll('~1', '/').replaceAll('~0', '~');
    node = isRecord(node) || Array.isArray(node) ? (node as Record<string, unknown>)[name] : undefined;
  }
  return out.length === 0 ? '#' : `#/${out.join('/')}`;
}

function holdsTuple(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(holdsTuple);
  if (!isRecord(value)) return false;
  if (Array.isArray(value.items)) return true;
  return Object.entries(value).some(([key, v]) => !DATA.includes(key) && holdsTuple(v));
}
