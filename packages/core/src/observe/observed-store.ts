import type { SessionStore } from '../session/session-store.js';
import type { Instruments } from './instruments.js';

// The store's methods the engine calls: wrapped once, as own properties, so a call is a plain property load.
const METHODS = [
  'create',
  'load',
  'save',
  'patchData',
  'destroy',
  'get',
  'set',
  'setIfAbsent',
  'compareAndSet',
  'delete',
  'list',
  'putRecordIfAbsent',
  'setRecord',
  'getRecord',
  'deleteRecord',
  'unitOfWork',
  'close',
] as const satisfies readonly (keyof SessionStore)[];

/**
 * The store, counting each call of its methods by operation and outcome (`ok`, `error`). Made only
 * when metrics are on; methods run on the store itself, so its private state is untouched. A call
 * costs an increment: the SDK reads the counts when it collects.
 *
 * The {@link SessionStore} methods the store has are own properties of the result, so the hot path
 * pays no proxy trap; anything else (a store's own members, `instanceof`) is read through a proxy
 * behind them, its methods counted alike.
 */
export function observedStore(store: SessionStore, instruments: Instruments): SessionStore {
  const wrapped = new Map<PropertyKey, unknown>();
  const counted = (prop: PropertyKey, method: (...args: unknown[]) => unknown) => {
    let fn = wrapped.get(prop);
    if (fn === undefined) {
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
          result = method.apply(store, args);
        } catch (error) {
          return failed(error);
        }
        return result instanceof Promise ? result.then(ok, failed) : ok(result);
      };
      wrapped.set(prop, fn);
    }
    return fn;
  };
  const rest = new Proxy(store, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function' || prop === 'constructor') return value;
      return counted(prop, value as (...args: unknown[]) => unknown);
    },
  });
  const observed = Object.create(rest) as Record<string, unknown>;
  for (const name of METHODS) {
    const method: unknown = store[name];
    if (typeof method === 'function') observed[name] = counted(name, method as (...args: unknown[]) => unknown);
  }
  return observed as unknown as SessionStore;
}
