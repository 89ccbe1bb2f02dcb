import 'reflect-metadata';
import { injectable } from 'tsyringe';
import { RESOURCE_METADATA, type ResourceOptions, type ResourceRecord } from './metadata-keys.js';

/**
 * Marks a class as a resource named `name` (the first path segment). Records only; routes are
 * checked when the engine is created. The class is made injectable for tsyringe.
 */
export function Resource(name: string, options: ResourceOptions = {}): ClassDecorator {
  return (target) => {
    const record: ResourceRecord = { name, ...options };
    Reflect.defineMetadata(RESOURCE_METADATA, record, target);
    injectable()(target as never);
  };
}

/** The record `@Resource` left on a class, if any. */
export function getResourceRecord(target: object): ResourceRecord | undefined {
  return Reflect.getOwnMetadata(RESOURCE_METADATA, target) as ResourceRecord | undefined;
}
