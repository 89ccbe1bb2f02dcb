import type { DirectCaller } from '@restbatch/direct';
import type { TypedCall } from './client-calls.js';

/** What a call's promise is resolved with (the client's result shape). */
type LeastResult = { ok: boolean; status: number; data: unknown };

/** What one batch of the least client did: its calls that succeeded, and the session its first call opened. */
export interface LeastOutcome {
  ok: number;
  sessionId: string | undefined;
}

/**
 * The least any batching client does for the same typed calls: each call's envelope item made at
 * once (its Url from the template, which it knows ends in `{id}`), a promise per call, the batch
 * sent as the client's direct transport sends it (streamOnly, results rather than items), each
 * promise resolved with a result object as its result comes, all awaited with Promise.all. No
 * checks, no retries, no aborts, no sessions, no splitting: a floor, not a client. It shows how much
 * of the client's cost any client that answers each call with its own promise pays.
 */
export async function leastClient(direct: DirectCaller, typed: readonly TypedCall[]): Promise<LeastOutcome> {
  const n = typed.length;
  const resolvers = new Array<(result: LeastResult) => void>(n);
  const pending = new Array<Promise<LeastResult>>(n);
  const items = new Array<object>(n);
  for (let i = 0; i < n; i++) {
    const t = typed[i]!;
    const init = t.init as { params?: { path: { id: string } }; body?: unknown };
    const id = init.params?.path.id;
    const url = id === undefined ? t.template.slice(6) : t.template.slice(6, -4) + id;
    pending[i] = new Promise<LeastResult>((resolve) => {
      resolvers[i] = resolve;
    });
    items[i] = init.body === undefined ? { Url: url, Method: t.method } : { Url: url, Method: t.method, Payload: init.body };
  }
  let next = 0;
  await direct({
    url: '/rest/batch',
    body: items,
    streamOnly: true,
    itemsOfErrorsOnly: true,
    onResult: (item, result) => {
      const status = result?.status ?? Number((item as { ReturnCode: string }).ReturnCode);
      (resolvers[next++] as (r: LeastResult) => void)({ ok: status >= 200 && status < 300, status, data: result?.body ?? item });
    },
  });
  const results = await Promise.all(pending);
  const sessionId = (results[0]?.data as { Id?: string } | undefined)?.Id;
  let ok = 0;
  for (const r of results) if (r.ok) ok++;
  return { ok, sessionId };
}
