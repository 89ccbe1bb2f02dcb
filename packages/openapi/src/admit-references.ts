import type { JsonSchema } from '@restbatch/core';
import { isLocalPointer, isRecord } from './local-pointers.js';

/**
 * A whole-value reference (`"$ref:<key>/<pointer>"`, docs/references.md): the key has no space,
 * `/`, `{`, `}` or `$`. The escape `$$ref:` is a literal string and does not match.
 */
const REFERENCE_STRING: JsonSchema = Object.freeze({
  type: 'string',
  pattern: '^\\$ref:[^\\s/{}$]+(?:/|$)',
  description: 'A whole-value reference to an earlier result: $ref:<key>/<json-pointer> (docs/references.md)',
});

/** Where `payloadSchema` puts the admitted schema inside its `anyOf`. */
const ADMITTED_AT = '/anyOf/0';

/** Keywords whose value is one subschema at a value position below the schema's own. */
const ONE_BELOW = ['additionalProperties', 'unevaluatedProperties', 'unevaluatedItems', 'contains', 'additionalItems'];
/** Keywords whose value maps names to subschemas at value positions below. */
const NAMED_BELOW = ['properties', 'patternProperties'];
/** Keywords whose value maps names to subschemas at the schema's own position. */
const NAMED_SAME = ['$defs', 'definitions', 'dependentSchemas', 'dependencies'];
/** Handled with `if`, or below. */
const REWRITTEN = ['if', 'then', 'else', 'oneOf', 'allOf', 'anyOf', 'not', 'items', 'prefixItems'];

/** +1: a value below may be a reference (the schema admits more); -1: under `not`, a reference fails there. */
type Sign = 1 | -1;
/** Original JSON pointer of a subschema → its pointer in the admitted copy. */
type Moves = Map<string, string>;

/**
 * `schema` as a batch item's payload may hold it: every value below its root (members of objects,
 * items of arrays, recursively) may also be a whole-value reference, which the executor replaces
 * with the earlier result's value before the route's schema checks the payload. The root is left as
 * is (`orReference` makes it a value position). Where a reference's value cannot be known the
 * schema accepts rather than refuses: `oneOf` becomes `anyOf` (a reference can match several
 * branches), `if/then/else` becomes "`if` and `then`, or not `if` and `else`" with either outcome of
 * `if` possible, a value position under `not` refuses a reference (so `not` accepts it) — a `not` holding a `$ref` is dropped and
 * an `if` holding one gives `anyOf: [then, else]`, the pointer's target admitted one way only — and a
 * `const`/`enum` object or array admits references in its members. `$ref` pointers into the schema
 * (`#`, `#/$defs/…`, `#/definitions/…`, any path) are moved to where their targets now are.
 */
export function admitReferences(schema: unknown): unknown {
  const moves: Moves = new Map();
  const admitted = admit(schema, '', '', 1, moves);
  return movePointers(admitted, (pointer) => moved(pointer, moves));
}

/** Definition keywords `payloadSchema` hoists from the admitted root onto its wrapper. */
const HOISTED = ['$defs', 'definitions'];

/**
 * The schema of a batch item's payload: `orReference` of the admitted schema (`admitReferences`),
 * its own `#…` pointers moved (`inPayload`) when it is wrapped. The root's `$defs`/`definitions`
 * sit on the wrapper, beside `anyOf`: a pointer into them then never passes through the node that
 * holds it (`{$ref: '#/definitions/Note', definitions: {…}}` overflowed swagger-parser's stack).
 */
export function payloadSchema(admitted: unknown): unknown {
  if (!isWrapped(admitted)) return admitted;
  const moved = movePointers(admitted, inPayload(admitted)) as Record<string, unknown>;
  const hoisted = Object.fromEntries(Object.entries(moved).filter(([key]) => HOISTED.includes(key)));
  const inner = Object.fromEntries(Object.entries(moved).filter(([key]) => !HOISTED.includes(key)));
  return { ...hoisted, anyOf: [inner, REFERENCE_STRING] };
}

/**
 * Where a pointer of the admitted schema (`#`, `#/…`) sits in `payloadSchema(admitted)`: below
 * `ADMITTED_AT`, or at the root for the hoisted `$defs`/`definitions`.
 */
export function inPayload(admitted: unknown): (pointer: string) => string {
  if (!isWrapped(admitted)) return (pointer) => pointer;
  return (pointer) =>
    HOISTED.some((key) => pointer === `#/${key}` || pointer.startsWith(`#/${key}/`)) ? pointer : `#${ADMITTED_AT}${pointer.slice(1)}`;
}

/** Whether `payloadSchema` wraps `admitted`: it asks for something besides its definitions. */
function isWrapped(admitted: unknown): admitted is Record<string, unknown> {
  return isRecord(admitted) && Object.keys(admitted).some((key) => !HOISTED.includes(key));
}

/** `schema` with its own `#…` pointers made absolute: `#/x` becomes `<at>/x` (`at` like `#/components/schemas/N`), after `move`. */
export function relocate(schema: unknown, at: string, move: (pointer: string) => string = (pointer) => pointer): unknown {
  return movePointers(schema, (pointer) => `${at}${move(pointer).slice(1)}`);
}

/** `anyOf` `schema` as is and a whole-value reference: the schema of one value position. */
function orReference(schema: unknown): unknown {
  // `false` admits nothing, a reference included (a member the schema forbids); `true` and `{}` admit it already.
  if (!wraps(schema)) return schema;
  return { anyOf: [schema, REFERENCE_STRING] };
}

/** `schema` at a value position, admitted (sign +1: or a reference; -1: and not a reference). */
function admitAt(schema: unknown, from: string, to: string, sign: Sign, moves: Moves): unknown {
  if (!wraps(schema)) return schema;
  const inner = admit(schema, from, `${to}${sign === 1 ? '/anyOf/0' : '/allOf/0'}`, sign, moves);
  return sign === 1 ? { anyOf: [inner, REFERENCE_STRING] } : { allOf: [inner, { not: REFERENCE_STRING }] };
}

/** `schema` at its own position (found at `from` originally, placed at `to`), its value positions admitted. */
function admit(schema: unknown, from: string, to: string, sign: Sign, moves: Moves): unknown {
  if (!isRecord(schema)) return schema;
  moves.set(from, to);
  const copy: Record<string, unknown> = {};
  const allOf: unknown[] = [];
  const ownAllOf: unknown[] = Array.isArray(schema.allOf) ? schema.allOf : [];
  for (const [i, s] of ownAllOf.entries()) allOf.push(admit(s, `${from}/allOf/${i}`, `${to}/allOf/${i}`, sign, moves));
  const extra = (build: (at: string) => unknown): void => {
    allOf.push(build(`${to}/allOf/${allOf.length}`));
  };
  for (const [key, value] of Object.entries(schema)) {
    const f = `${from}/${escapeSegment(key)}`;
    const t = `${to}/${escapeSegment(key)}`;
    if (ONE_BELOW.includes(key)) copy[key] = admitAt(value, f, t, sign, moves);
    else if (NAMED_BELOW.includes(key) || NAMED_SAME.includes(key)) {
      const below = NAMED_BELOW.includes(key) ? admitAt : admit;
      copy[key] = isRecord(value)
        ? Object.fromEntries(
            Object.entries(value).map(([n, v]) => [n, below(v, `${f}/${escapeSegment(n)}`, `${t}/${escapeSegment(n)}`, sign, moves)]),
          )
        : value;
    } else if (key === 'items' || key === 'prefixItems') {
      copy[key] = Array.isArray(value)
        ? value.map((v, i) => admitAt(v, `${f}/${i}`, `${t}/${i}`, sign, moves))
        : admitAt(value, f, t, sign, moves);
    } else if (key === 'anyOf' && Array.isArray(value)) copy[key] = value.map((v, i) => admit(v, `${f}/${i}`, `${t}/${i}`, sign, moves));
    else if (key === 'oneOf' && Array.isArray(value)) {
      // A reference may stand for a value of any branch: several branches can match, so `anyOf`.
      if (sign === -1) copy[key] = value.map((v, i) => admit(v, `${f}/${i}`, `${t}/${i}`, sign, moves));
      else if (schema.anyOf === undefined) copy.anyOf = value.map((v, i) => admit(v, `${f}/${i}`, `${to}/anyOf/${i}`, sign, moves));
      else extra((at) => ({ anyOf: value.map((v, i) => admit(v, `${f}/${i}`, `${at}/anyOf/${i}`, sign, moves)) }));
    } else if (key === 'not') {
      // A pointer below `not` would land on a copy admitted the other way: such a `not` is dropped (accepts).
      if (!holdsPointer(value)) copy[key] = admit(value, f, t, flip(sign), moves);
    } else if ((key === 'const' || key === 'enum') && sign === 1 && holdsContainer(key === 'const' ? [value] : value)) {
      const values = key === 'const' ? [value] : (value as unknown[]);
      extra(() => (values.length === 1 ? valueSchema(values[0]) : { anyOf: values.map(valueSchema) }));
    } else if (!REWRITTEN.includes(key)) copy[key] = value;
  }
  if (schema.if !== undefined && (schema.then !== undefined || schema.else !== undefined) && holdsPointer(schema.if)) {
    // `if` would be admitted both ways, but its pointers can land on one copy only: `then` or `else`.
    extra((at) => ({
      anyOf: [
        admit(schema.then ?? true, `${from}/then`, `${at}/anyOf/0`, sign, moves),
        admit(schema.else ?? true, `${from}/else`, `${at}/anyOf/1`, sign, moves),
      ],
    }));
  } else if (schema.if !== undefined && (schema.then !== undefined || schema.else !== undefined)) {
    extra((at) => conditional(schema, from, at, sign, moves));
  } else if (schema.if !== undefined) copy.if = schema.if;
  if (allOf.length > 0) copy.allOf = allOf;
  return copy;
}

/**
 * `if/then/else` where a reference may make `if` come out either way: `if` may hold and `then`
 * holds, or `if` may fail and `else` holds.
 */
function conditional(schema: Record<string, unknown>, from: string, at: string, sign: Sign, moves: Moves): JsonSchema {
  // The later call's moves win: a pointer into `if` lands in the copy that may hold.
  const mayFail = admit(schema.if, `${from}/if`, `${at}/anyOf/1/allOf/0/not`, flip(sign), moves);
  const mayHold = admit(schema.if, `${from}/if`, `${at}/anyOf/0/allOf/0`, sign, moves);
  const then = admit(schema.then ?? true, `${from}/then`, `${at}/anyOf/0/allOf/1`, sign, moves);
  const otherwise = admit(schema.else ?? true, `${from}/else`, `${at}/anyOf/1/allOf/1`, sign, moves);
  return { anyOf: [{ allOf: [mayHold, then] }, { allOf: [{ not: mayFail }, otherwise] }] };
}

/** The schema of exactly `value` (as `const` says it), where its members may be references. */
function valueSchema(value: unknown): JsonSchema {
  if (Array.isArray(value)) {
    return { type: 'array', prefixItems: value.map((v) => orReference(valueSchema(v))), items: false, minItems: value.length };
  }
  if (isRecord(value)) {
    const properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, orReference(valueSchema(v))]));
    return { type: 'object', required: Object.keys(value), properties, additionalProperties: false };
  }
  return { const: value as JsonSchema };
}

/** Whether `schema` holds a `$ref` anywhere (its copies admitted with either sign would share the target). */
function holdsPointer(schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.some(holdsPointer);
  if (!isRecord(schema)) return false;
  return Object.entries(schema).some(([key, value]) => (key === '$ref' && typeof value === 'string') || holdsPointer(value));
}

/** Whether a `const`/`enum` list holds an object or an array, whose members a reference may stand for. */
function holdsContainer(values: unknown): boolean {
  return Array.isArray(values) && values.some((v) => v !== null && typeof v === 'object');
}

/** The pointer `pointer` (`#`, `#/…`) after the moves: its longest moved prefix replaced. */
function moved(pointer: string, moves: Moves): string {
  let path = pointer.slice(1);
  let rest = '';
  for (;;) {
    const to = moves.get(path);
    if (to !== undefined) return `#${to}${rest}`;
    const cut = path.lastIndexOf('/');
    if (cut < 0) return pointer;
    rest = path.slice(cut) + rest;
    path = path.slice(0, cut);
  }
}

/** A copy of `value` where each `$ref` into the schema itself (`#` or `#/…`) goes through `move`. */
function movePointers(value: unknown, move: (pointer: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => movePointers(v, move));
  if (!isRecord(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    copy[key] = key === '$ref' && isLocalPointer(v) ? move(v) : movePointers(v, move);
  }
  return copy;
}

function wraps(schema: unknown): boolean {
  return isRecord(schema) && Object.keys(schema).length > 0;
}

function flip(sign: Sign): Sign {
  return sign === 1 ? -1 : 1;
}

function escapeSegment(name: string): string {
  return name.replaceAll('~', '~0').replaceAll('/', '~1');
}
