/**
 * Why a Guidewire batch item cannot carry `body`, or undefined when it can. The server checks each
 * item's `body` against its envelope schema (`@restbatch/core`'s `GUIDEWIRE_BATCH_SCHEMA`):
 * `{data: {attributes?: object, checksum?: string}, included?: object}` and nothing else; a body
 * that breaks it refuses the whole batch (400 `BATCH_MALFORMED`). The same rules, checked on the
 * value as JSON would carry it (a member whose value is undefined is left out, a `toJSON` is
 * called), without the server's code: the client runs in a browser.
 */
export function guidewireBodyProblem(body: unknown): string | undefined {
  try {
    return shapeProblem(body);
  } catch (error) {
    // A `toJSON` or getter that throws: JSON cannot write the body (the call then goes alone, and its
    // transport refuses it with INVALID_CALL, or an explicit batch is refused for it).
    return `the body cannot be written as JSON: ${(error as Error)?.message ?? String(error)}`;
  }
}

function shapeProblem(body: unknown): string | undefined {
  const top = asJson(body, 'body');
  // JSON leaves out a body that writes as nothing (a `toJSON` that answers undefined): no body, which an item may be.
  if (top === undefined) return undefined;
  if (!isObject(top)) return `the body is ${kindOf(top)}, not an object`;
  // In the order the server's schema reports: the required field, those it does not know, then each field's own shape.
  let data: unknown;
  let included: unknown;
  let unknown: string | undefined;
  // Own members only, as JSON writes them (`for in` and `hasOwn`: no array of keys is made per call).
  for (const key in top) {
    if (!Object.hasOwn(top, key)) continue;
    const value = asJson((top as Record<string, unknown>)[key], key);
    if (value === undefined) continue;
    if (key === 'data') data = value;
    else if (key === 'included') included = value;
    else unknown ??= key;
  }
  if (data === undefined) return 'the body lacks the field "data"';
  if (unknown !== undefined) return `the body has the field ${JSON.stringify(unknown)}`;
  if (!isObject(data)) return `its "data" is ${kindOf(data)}, not an object`;
  for (const key in data) {
    if (!Object.hasOwn(data, key)) continue;
    const value = asJson((data as Record<string, unknown>)[key], key);
    if (value === undefined) continue;
    if (key === 'attributes') {
      if (!isObject(value)) return `its "data.attributes" is ${kindOf(value)}, not an object`;
    } else if (key === 'checksum') {
      if (typeof value !== 'string') return `its "data.checksum" is ${kindOf(value)}, not a string`;
    } else return `its "data" has the field ${JSON.stringify(key)}`;
  }
  if (included !== undefined && !isObject(included)) return `its "included" is ${kindOf(included)}, not an object`;
  return undefined;
}

/** A member as JSON writes it: after its `toJSON` (called once, as JSON does); undefined when JSON leaves it out. */
function asJson(value: unknown, key: string): unknown {
  let json = value;
  if (json !== null && typeof json === 'object') {
    const toJSON = (json as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') json = toJSON.call(json, key);
  }
  return typeof json === 'function' || typeof json === 'symbol' ? undefined : json;
}

function isObject(value: unknown): value is object {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
