import type { Dialect } from './check-batch.js';

/** How an item that did not run is marked. */
export type ItemMark = 'skipped' | 'rolled-back';

/** One sub-response as the page shows it, whatever the dialect's item shape. */
export interface ItemView {
  readonly index: number;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: unknown;
  readonly code: string | undefined;
  readonly mark: ItemMark | undefined;
  readonly message: string | undefined;
}

/** How many items succeeded, failed and were skipped. */
export interface SummaryView {
  succeeded: number;
  failed: number;
  skipped: number;
}

/** Reads a dialect's item (`{ReturnCode, ResponseContent}` or `{status, headers, body}`). */
export function viewOfItem(item: unknown, dialect: Dialect, index: number): ItemView {
  const record = (item ?? {}) as Record<string, unknown>;
  const exago = dialect === 'exago';
  const status = Number(exago ? record.ReturnCode : record.status);
  const body = exago ? record.ResponseContent : record.body;
  const headers = exago ? {} : ((record.headers as Record<string, string> | undefined) ?? {});
  const code = codeOf(body);
  const message = messageOf(body);
  return { index, status, headers, body, code, mark: markOf(code, message), message };
}

/** Codes only a sub-request that never ran answers (docs/failure-policy.md, "Deterministic results of skipped sub-requests"). */
const NEVER_RAN = new Set(['SKIPPED', 'DEPENDENCY_FAILED', 'CONDITION_FALSE']);
/**
 * TIMEOUT and ABORTED answer a sub-request that ran too (its own timeout, the client gone while it
 * ran): one that never started says so at the end of its message, as the executor writes it.
 */
const NOT_STARTED = /: the batch was cancelled before this sub-request started$/;

/** How an item is marked: rolled back, never ran (skipped), or neither. */
export function markOf(code: string | undefined, message: string | undefined): ItemMark | undefined {
  if (code === 'ROLLED_BACK') return 'rolled-back';
  if (code !== undefined && NEVER_RAN.has(code)) return 'skipped';
  if ((code === 'TIMEOUT' || code === 'ABORTED') && message !== undefined && NOT_STARTED.test(message)) return 'skipped';
  return undefined;
}

/** The items of a whole (non-streamed) envelope. */
export function itemsOfEnvelope(body: unknown, dialect: Dialect): unknown[] {
  if (dialect === 'exago') return Array.isArray(body) ? body : [];
  const list = (body as { responses?: unknown } | null)?.responses;
  return Array.isArray(list) ? list : [];
}

/** The summary: streamed, in the envelope, in the `restbatch-summary` header, or counted from the items. */
export function summaryOf(
  streamed: SummaryView | undefined,
  body: unknown,
  headers: Record<string, string>,
  items: readonly ItemView[],
): SummaryView {
  if (streamed !== undefined) return streamed;
  const envelope = body as { summary?: SummaryView; '@restbatch.summary'?: SummaryView } | null;
  const inBody = envelope?.summary ?? envelope?.['@restbatch.summary'];
  if (inBody !== undefined) return inBody;
  const header = headers['restbatch-summary'];
  if (header !== undefined) {
    const count = (name: string) => Number(new RegExp(`${name}=(\\d+)`).exec(header)?.[1] ?? 0);
    return { succeeded: count('succeeded'), failed: count('failed'), skipped: count('skipped') };
  }
  const skipped = items.filter((i) => i.mark === 'skipped').length;
  const succeeded = items.filter((i) => i.status < 400).length;
  return { succeeded, failed: items.length - succeeded - skipped, skipped };
}

/** The error code an error body names, in any of the example server's shapes. */
export function codeOf(body: unknown): string | undefined {
  const b = body as { code?: unknown; errorCode?: unknown; error?: { code?: unknown } } | null | undefined;
  const code = b?.errorCode ?? b?.code ?? b?.error?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The message an error body holds, in any of the example server's shapes. */
export function messageOf(body: unknown): string | undefined {
  const b = body as { reason?: unknown; userMessage?: unknown; message?: unknown; error?: { message?: unknown } } | null | undefined;
  const message = b?.userMessage ?? b?.reason ?? b?.message ?? b?.error?.message;
  return typeof message === 'string' ? message : undefined;
}

/** The class of a status, for its colour: `s2`, `s3`, `s4`, `s5`. */
export function statusClass(status: number): string {
  return `s${Math.min(5, Math.max(1, Math.floor(status / 100)))}`;
}
