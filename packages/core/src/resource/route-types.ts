import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

type Segments<P extends string> = P extends `${infer Head}/${infer Rest}` ? Head | Segments<Rest> : P;
type ParamName<S extends string> = S extends `:${infer Name}` ? Name : never;

/**
 * The path parameters of a route path: `PathParams<':id/notes/:noteId'>` is
 * `{ id: string; noteId: string }`; a path that is not a literal type gives a string record.
 */
export type PathParams<P extends string> = string extends P ? Record<string, string> : { [K in ParamName<Segments<P>>]: string };

/**
 * The payload type a route's JSON Schema validates (json-schema-to-ts's `FromSchema`, as fastify's
 * type provider does). `Unknown` (default `unknown`) without a schema, or for a schema whose type is
 * not a literal one (a variable typed `object`): nothing can be inferred then.
 */
export type SchemaBody<S, Unknown = unknown> = [S] extends [undefined]
  ? Unknown
  : S extends JSONSchema
    ? JSONSchema extends S
      ? Unknown
      : object extends S
        ? Unknown
        : FromSchema<S>
    : Unknown;
