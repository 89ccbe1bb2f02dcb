import type { BatchSummary } from './transport.js';

const SUMMARY = /succeeded=(\d+), failed=(\d+), skipped=(\d+)/;

/** The counts of a batch's `restbatch-summary` header (`succeeded=N, failed=N, skipped=N`); undefined without one. */
export function readSummaryHeader(headers: Readonly<Record<string, string>>): BatchSummary | undefined {
  const header = headers['restbatch-summary'];
  const match = header === undefined ? null : SUMMARY.exec(header);
  return match === null ? undefined : { succeeded: Number(match[1]), failed: Number(match[2]), skipped: Number(match[3]) };
}
