import type { BatchEndEvent, BatchSummary } from '@restbatch/core';
import type { ResponseEvent } from '@restbatch/http';

/** One human line: `POST /rest/batch 2 sub-requests succeeded=2 failed=0 skipped=0 1.3ms`, then any notes in brackets. */
function batchLine(method: string, path: string, status: number, s: BatchSummary | undefined, ms: number, notes: string[]): string {
  const count = s === undefined ? '-' : String(s.succeeded + s.failed + s.skipped);
  const summary = s === undefined ? `status=${status}` : `succeeded=${s.succeeded} failed=${s.failed} skipped=${s.skipped}`;
  const tail = notes.length === 0 ? '' : ` (${notes.join(', ')})`;
  return `${method} ${path} ${count} sub-requests ${summary} ${ms.toFixed(1)}ms${tail}`;
}

/** The HTTP transport's `onResponse`: one line per batch answered over HTTP (ordinary calls are not logged). */
export function httpBatchLog(log: (line: string) => void): (event: ResponseEvent) => void {
  return (event) => {
    if (event.kind !== 'batch') return;
    const path = event.url.split('?', 1)[0] as string;
    log(batchLine(event.method, path, event.status, event.summary, event.ms, event.streamed ? ['ndjson'] : []));
  };
}

/**
 * The engine's `onBatchEnd`: one line per batch of every transport but HTTP (whose lines
 * {@link httpBatchLog} writes, with the time to the last byte written), in the same format, with the
 * transport named: `POST /rest/batch 1 sub-requests succeeded=1 failed=0 skipped=0 0.8ms (ws)`.
 */
export function engineBatchLog(log: (line: string) => void): (event: BatchEndEvent) => void {
  return (event) => {
    if (event.transport === 'http') return;
    log(batchLine(event.method, event.endpoint, event.status, event.summary, event.durationMs, [event.transport ?? 'direct']));
  };
}
