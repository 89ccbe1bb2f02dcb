import type { DirectCaller, DirectResponse } from '@restbatch/direct';

/** One item of an Exago batch answer, typed loosely for assertions. */
export interface Item {
  ReturnCode: string;
  ResponseContent: Record<string, unknown> & { reason?: string; stacktrace?: string | null; code?: string };
}

/** The items of an Exago batch answer. */
export function items(res: DirectResponse): Item[] {
  return res.body as Item[];
}

/** The error body of a rejected batch or a failed ordinary call. */
export function errorBody(res: DirectResponse): {
  reason: string;
  stacktrace: string | null;
  code: string;
  details?: unknown;
  correlationId?: string;
} {
  return res.body as never;
}

/** Runs `POST Sessions` (plus `calls`) as a batch and returns the new session's id with the answer. */
export async function openSession(
  call: DirectCaller,
  calls: unknown[] = [],
  url = '/rest/batch',
): Promise<{ sid: string; res: DirectResponse }> {
  const res = await call({ url, body: [{ Url: 'Sessions', Method: 'POST' }, ...calls] });
  const sid = String(items(res)[0]?.ResponseContent.Id);
  return { sid, res };
}
