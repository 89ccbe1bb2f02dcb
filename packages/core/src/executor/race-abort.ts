/** The races waiting on each signal: one `abort` listener per signal serves them all. */
const waiting = new WeakMap<AbortSignal, Set<(reason: unknown) => void>>();

/**
 * Settles with `promise`, or rejects with the signal's reason as soon as `signal` aborts. Every
 * sub-request of a batch races on the same signal, so the signal gets one listener, added on first
 * use, instead of one added and removed per call (EventTarget listeners are slow to add and
 * remove); a settled race leaves nothing behind, and the listener goes with the signal.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  let races = waiting.get(signal);
  if (races === undefined) {
    const set = new Set<(reason: unknown) => void>();
    races = set;
    waiting.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        for (const reject of set) reject(signal.reason);
        set.clear();
      },
      { once: true },
    );
  }
  const set = races;
  return new Promise<T>((resolve, reject) => {
    set.add(reject);
    promise.then(
      (value) => {
        set.delete(reject);
        resolve(value);
      },
      (error) => {
        set.delete(reject);
        reject(error);
      },
    );
  });
}
