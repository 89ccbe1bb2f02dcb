import type { Counter } from '@opentelemetry/api';
import type { SessionStore } from '../session/session-store.js';

/**
 * The store, counting each call of its methods by operation and outcome (`ok`, `error`). Made only
 * when metrics are on; methods run on the store itself, so its private state is untouched.
 */
export function observedStore(store: SessionStore, operations: Counter): SessionStore {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function' || prop === 'constructor') return value;
      let fn = wrapped.get(prop);
      if (fn === undefined) {
        const method = value as (...args: unknown[]) => unknown;
        const ok = { 'restbatch.operation': String(prop), 'restbatch.outcome': 'ok' };
        const failed = { 'restbatch.operation': String(prop), 'restbatch.outcome': 'error' };
        fn = (...args: unknown[]) => {
          let result: unknown;
          try {
            result = method.apply(target, args);
          } catch (error) {
            operations.add(1, failed);
            throw error;
          }
          if (!(result instanceof Promise)) {
            operations.add(1, ok);
            return result;
          }
          return result.then(
            (settled: unknown) => {
              operations.add(1, ok);
              return settled;
            },
            (error: unknown) => {
              operations.add(1, failed);
              throw error;
            },
          );
        };
        wrapped.set(prop, fn);
      }
      return fn;
    },
  });
}
