import 'reflect-metadata';
import type { HttpMethod } from '../model/http-method.js';
import type { HandlerContext } from '../resource/handler-context.js';
import type { PathParams, SchemaBody } from '../resource/route-types.js';
import { ROUTES_METADATA, type RouteOptions, type RouteRecord } from './metadata-keys.js';

/** Route options whose schema keeps its literal type, for the handler's body type. */
export type TypedRouteOptions<S> = Omit<RouteOptions, 'schema'> & { schema?: S };

/**
 * A route decorator, typed: it only fits a method whose context accepts the body a literal schema
 * validates and the params the path names (a handler that declares other types does not compile).
 * Without a schema, or with one whose type is not literal, the handler declares its body type.
 */
export type RouteDecorator<P extends string, S> = (
  target: object,
  propertyKey: string | symbol,
  descriptor: { value?: (context: HandlerContext<SchemaBody<S, never>, PathParams<P>, never>) => unknown },
) => void;

function route(method: HttpMethod) {
  return <const P extends string = '', const S extends object | undefined = undefined>(
    path: P = '' as P,
    options: TypedRouteOptions<S> = {},
  ): RouteDecorator<P, S> =>
    (target, propertyKey) => {
      const owner = target.constructor;
      const own: RouteRecord[] = Reflect.getOwnMetadata(ROUTES_METADATA, owner) ?? [];
      Reflect.defineMetadata(ROUTES_METADATA, [...own, { method, path, propertyKey, ...options }], owner);
    };
}

/** Routes GET `<Resource>/<path>` to the method. */
export const Get = route('GET');
/** Routes POST `<Resource>/<path>` to the method; answers 201 by default. */
export const Post = route('POST');
/** Routes PUT `<Resource>/<path>` to the method. */
export const Put = route('PUT');
/** Routes PATCH `<Resource>/<path>` to the method. */
export const Patch = route('PATCH');
/** Routes DELETE `<Resource>/<path>` to the method. */
export const Delete = route('DELETE');

/** The routes recorded on a class, its ancestors' first. */
export function getRouteRecords(target: object): RouteRecord[] {
  const parent = Object.getPrototypeOf(target);
  const inherited = parent && parent !== Function.prototype ? getRouteRecords(parent) : [];
  const own: RouteRecord[] = Reflect.getOwnMetadata(ROUTES_METADATA, target) ?? [];
  return [...inherited, ...own];
}
