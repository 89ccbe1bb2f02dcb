import type { Recorded } from './batch-builder.js';
import { NONE, resultOf, type SubCall, type SubResult } from './client-dialect.js';
import type { BatchOptions, BatchResult } from './create-client.js';
import type { BatchSummary } from './transport.js';

/** The summary of a batch that sent nothing. */
const NO_SUMMARY: BatchSummary = Object.freeze({ succeeded: 0, failed: 0, skipped: 0 });

/** A batch's answer, with what reads it. */
export function answer<R>(
  calls: R,
  status: number,
  results: SubResult[],
  summary: BatchSummary,
  retryFailed: (again?: BatchOptions) => Promise<BatchResult<void>>,
): BatchResult<R> {
  return {
    calls,
    status,
    results,
    summary,
    allOk: () => results.every((r) => r.ok),
    failed: () => results.flatMap((r, i) => (r.ok ? [] : [i])),
    retryFailed,
  };
}

/** What `retryFailed()` answers when nothing failed: no call, nothing sent. */
export function emptyResult(): BatchResult<void> {
  return answer(undefined, 200, [], NO_SUMMARY, async () => emptyResult());
}

/** The session an Exago batch opened: the id its first call, `POST Sessions`, answered. */
export function sessionOf(recorded: readonly Recorded[], results: readonly SubResult[], sessions: string): string | undefined {
  const first = recorded[0]?.call;
  const opened = results[0];
  if (first?.method !== 'POST' || first.path !== sessions || opened?.ok !== true) return undefined;
  const id = (opened.data as { Id?: unknown } | null | undefined)?.Id;
  return typeof id === 'string' ? id : undefined;
}

/** The result of a call not sent because an earlier one failed under `onFail: 'stop'` (as the engine skips one). */
export function skipped(call: SubCall): SubResult {
  const error = { code: 'SKIPPED', message: `${call.method} ${call.path} was not sent: an earlier call failed (onFail: stop)` };
  return resultOf(424, NONE, error);
}
