import type { BatchSummary } from '../model/canonical.js';

/** What `onBatchStart` is told: a batch was decoded and is about to run. */
export interface BatchStartEvent {
  readonly requestId: string;
  /** The batch endpoint's full path. */
  readonly endpoint: string;
  readonly dialect: string;
  readonly items: number;
  readonly transport: string | undefined;
}

/** What `onBatchEnd` is told: the outer answer's status, the summary (when it ran) and the time taken. */
export interface BatchEndEvent extends Omit<BatchStartEvent, 'items'> {
  /** The outer request's method (`POST`; a batch endpoint refuses any other with 405). */
  readonly method: string;
  /** Undefined when the batch was refused before it was decoded. */
  readonly items: number | undefined;
  readonly status: number;
  /**
   * The summary the client received (the dialect's: a rolled-back item counts as failed there);
   * undefined when the batch did not run.
   */
  readonly summary: BatchSummary | undefined;
  readonly durationMs: number;
}

/** What `onSubRequestStart` is told. */
export interface SubRequestStartEvent {
  readonly requestId: string;
  readonly index: number;
  readonly id: string | undefined;
  readonly method: string;
  /** The path as sent, below the API's base. */
  readonly path: string;
}

/**
 * What `onSubRequestEnd` is told: its final status, error code and timing. In an atomic run, a
 * success is told once the run is over (committed, or rolled back).
 */
export interface SubRequestEndEvent extends SubRequestStartEvent {
  /** The route pattern it ran (undefined when it never reached a route). */
  readonly route: string | undefined;
  readonly status: number;
  readonly code: string | undefined;
  readonly skipped: boolean;
  /** Whether it succeeded and was then undone, its atomic run having failed (its status is then 424). */
  readonly rolledBack: boolean;
  /** From its start to its result (0 for the rest of a failed atomicity group, skipped without being reached). */
  readonly durationMs: number;
}

/**
 * Hooks for apps without OpenTelemetry; an engine without them pays nothing per sub-request. A hook
 * that throws, or returns a promise that rejects, is logged at `warn` and ignored: observing never
 * changes an answer. A returned promise is not awaited.
 */
export interface ObserveHooks {
  onBatchStart?: (event: BatchStartEvent) => void;
  onBatchEnd?: (event: BatchEndEvent) => void;
  onSubRequestStart?: (event: SubRequestStartEvent) => void;
  onSubRequestEnd?: (event: SubRequestEndEvent) => void;
}
