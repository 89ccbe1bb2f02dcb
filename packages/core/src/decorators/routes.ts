import 'reflect-metadata';
import type { HttpMethod } from '../model/http-method.js';
import { ROUTES_METADATA, type RouteOptions, type RouteRecord } from './metadata-keys.js';

function route(method: HttpMethod) {
  return (path = '', options: RouteOptions = {}): MethodDecorator =>
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
