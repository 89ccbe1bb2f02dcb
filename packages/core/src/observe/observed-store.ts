import type { SessionStore } from '../session/session-store.js';
import type { Instruments } from './instruments.js';

/**
 * The store, counting each call of its methods by operation and outcome (`ok`, `error`). Made only
 * when metrics are on; methods run on the store itself, so its private state is untouched. A call
 * costs an increment: the SDK reads the counts when it collects.
 */
export function observedStore(store: SessionStore, instruments: Instruments): SessionStore {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function' || prop === 'constructor') return value;
      let fn = wrapped.get(prop);
      if (fn === undefined) {
        const method = value as (...args: unknown[]) => unknown;
        const count = instruments.operation(String(prop));
        const ok = (settled: unknown) => {
          count.ok++;
          return settled;
        };
        const failed = (error: unknown) => {
          count.error++;
          throw error;
        };
        fn = (...args: unknown[]) => {
          let result: unknown;
          try {
            result = method.apply(target, args);
          } catch (error) {
            return failed(error);
          }
          return result instanceof Promise ? result.then(ok, failed) : ok(result);
        };
        wrapped.set(prop, fn);
      }
      return fn;
    },
  });
}
