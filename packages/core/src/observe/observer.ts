import type { Logger } from '../engine/logger.js';
import type { SessionStore } from '../session/session-store.js';
import { observedStore } from './observed-store.js';
import type { ObserveHooks } from './observe-hooks.js';
import { RequestWatch, type WatchStart } from './request-watch.js';
import { Telemetry, type TelemetryOptions } from './telemetry.js';

/** What the engine observes with: its hooks and OpenTelemetry (`telemetry: false` turns it off). */
export interface ObserveOptions extends ObserveHooks {
  telemetry?: TelemetryOptions | false;
}

/**
 * An engine's observers, decided once: `watch` makes a {@link RequestWatch} only when something
 * observes now (a hook, a meter, a registered tracer), so an unobserved engine pays one check per request.
 */
export class Observer {
  readonly #hooks: ObserveHooks;
  readonly #telemetry: Telemetry | undefined;
  readonly #always: boolean;

  constructor(
    options: ObserveOptions,
    readonly logger: Logger,
  ) {
    const { onBatchStart, onBatchEnd, onSubRequestStart, onSubRequestEnd } = options;
    this.#hooks = { onBatchStart, onBatchEnd, onSubRequestStart, onSubRequestEnd };
    this.#telemetry = options.telemetry === false ? undefined : new Telemetry(options.telemetry ?? {});
    this.#always =
      this.#telemetry?.instruments !== undefined ||
      [onBatchStart, onBatchEnd, onSubRequestStart, onSubRequestEnd].some((hook) => hook !== undefined);
  }

  /** The engine's store, its operations counted when metrics are on. */
  store(store: SessionStore): SessionStore {
    const instruments = this.#telemetry?.instruments;
    return instruments === undefined ? store : observedStore(store, instruments);
  }

  /** Reports the level of the engine's result pool when metrics are on. */
  results(pool: { readonly used: number }): void {
    this.#telemetry?.instruments?.observeResults(pool);
  }

  /** Reports the level of the engine's input pool when metrics are on. */
  input(pool: { readonly used: number }): void {
    this.#telemetry?.instruments?.observeInput(pool);
  }

  /** Whether something observes a request now: ask before building its {@link WatchStart}. */
  get active(): boolean {
    return this.#always || this.#telemetry?.tracing === true;
  }

  /** A watch for one outer request (only when {@link active}). */
  watch(start: WatchStart): RequestWatch {
    return new RequestWatch(start, this.#telemetry, this.#hooks, this.logger);
  }
}
