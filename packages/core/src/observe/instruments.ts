import type { Attributes, Counter, Histogram, Meter, ObservableResult } from '@opentelemetry/api';

/** How many calls of one store operation ended well and badly; read by the SDK when it collects. */
interface OperationCount {
  ok: number;
  error: number;
  readonly okAttributes: Attributes;
  readonly errorAttributes: Attributes;
}

const KINDS = ['batch', 'call'] as const;

/**
 * Bucket boundaries of `restbatch.subrequest.duration`, in seconds: 100 µs to 10 s, so that a
 * sub-request of well under a millisecond and one of several seconds both land in a bucket of their
 * own (the SDK's default boundaries, 0 to 10000, are meant for milliseconds: every sub-request would
 * fall in the first buckets).
 */
export const DURATION_BOUNDARIES: readonly number[] = Object.freeze([
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/**
 * The instruments of one engine, made once. What happens often is counted in plain numbers here
 * and read by the SDK when it collects (observable instruments): a store call or a request costs
 * an increment, not an attribute hash in the SDK.
 */
export class Instruments {
  readonly batchSize: Histogram;
  readonly duration: Histogram;
  readonly outcomes: Counter;
  readonly refusals: Counter;
  readonly #operations = new Map<string, OperationCount>();
  readonly #active = [0, 0];
  readonly #activeSeen = [false, false];
  readonly #activeAttributes = KINDS.map((kind) => ({ 'restbatch.kind': kind }));

  readonly #meter: Meter;

  constructor(meter: Meter) {
    this.#meter = meter;
    this.batchSize = meter.createHistogram('restbatch.batch.size', {
      description: 'Sub-requests per batch',
      unit: '{sub-request}',
      advice: { explicitBucketBoundaries: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000, 10000] },
    });
    this.duration = meter.createHistogram('restbatch.subrequest.duration', {
      description: 'Time a sub-request took, by route and status class',
      unit: 's',
      advice: { explicitBucketBoundaries: [...DURATION_BOUNDARIES] },
    });
    this.outcomes = meter.createCounter('restbatch.subrequest.outcomes', {
      description: 'Sub-requests by outcome: succeeded, failed, skipped, rolled_back',
    });
    this.refusals = meter.createCounter('restbatch.budget.refusals', {
      description: 'Sub-requests refused by a batch budget (REFERENCES_TOO_LARGE, RESULTS_TOO_LARGE, RESULT_TOO_DEEP, RESULTS_BUSY)',
    });
    meter
      .createObservableUpDownCounter('restbatch.batch.active', { description: 'Batches (and ordinary calls) running now' })
      .addCallback((result) => this.#observeActive(result));
    meter
      .createObservableCounter('restbatch.session_store.operations', {
        description: 'Calls of the session store by operation and outcome (ok, error)',
      })
      .addCallback((result) => this.#observeOperations(result));
  }

  /** Reports the characters of results the engine's batches hold (read when the SDK collects: nothing per result). */
  observeResults(pool: { readonly used: number }): void {
    this.#observeUsed(pool, 'restbatch.results.in_flight', {
      description: 'Characters of JSON results that running batches hold now (limits.maxResultBytesInFlight)',
      unit: '{character}',
    });
  }

  /** Reports the estimated bytes of request bodies the engine's requests hold (read when the SDK collects). */
  observeInput(pool: { readonly used: number }): void {
    this.#observeUsed(pool, 'restbatch.input.in_flight', {
      description: 'Estimated bytes of request bodies that running requests hold now (limits.maxInputBytesInFlight)',
      unit: 'By',
    });
  }

  /** A gauge `name` of what `pool` holds, read when the SDK collects. */
  #observeUsed(pool: { readonly used: number }, name: string, options: { description: string; unit: string }): void {
    this.#meter.createObservableGauge(name, options).addCallback((result) => result.observe(pool.used));
  }

  /** A request of `kind` starts (+1) or ends (-1). */
  active(kind: 'batch' | 'call', delta: 1 | -1): void {
    const at = kind === 'batch' ? 0 : 1;
    this.#active[at] = (this.#active[at] as number) + delta;
    this.#activeSeen[at] = true;
  }

  /** The counts of store operation `name` (one object per operation, kept). */
  operation(name: string): OperationCount {
    let count = this.#operations.get(name);
    if (count === undefined) {
      count = {
        ok: 0,
        error: 0,
        okAttributes: { 'restbatch.operation': name, 'restbatch.outcome': 'ok' },
        errorAttributes: { 'restbatch.operation': name, 'restbatch.outcome': 'error' },
      };
      this.#operations.set(name, count);
    }
    return count;
  }

  #observeActive(result: ObservableResult): void {
    for (let at = 0; at < KINDS.length; at++) {
      if (this.#activeSeen[at]) result.observe(this.#active[at] as number, this.#activeAttributes[at]);
    }
  }

  #observeOperations(result: ObservableResult): void {
    for (const count of this.#operations.values()) {
      if (count.ok > 0) result.observe(count.ok, count.okAttributes);
      if (count.error > 0) result.observe(count.error, count.errorAttributes);
    }
  }
}
