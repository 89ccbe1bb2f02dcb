import { request } from 'node:http';

/** What became of one attacking request. */
export interface HttpOutcome {
  status: number | undefined;
  /** Body bytes received (the body itself is dropped beyond `keepBytes`). */
  bytes: number;
  ms: number;
  /** The body's first `keepBytes` bytes, as text. */
  head: string;
  /** `ECONNRESET`, `reset mid-response`, `stopped by the bench`, ... */
  error: string | undefined;
}

/** Options of {@link send}. */
export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Bytes of the body to keep in `head` (default 4096). */
  keepBytes?: number;
  signal?: AbortSignal;
  /** Local address to send from, such as `127.0.0.2`: the server sees another client. */
  localAddress?: string;
}

/**
 * Sends one request on a connection of its own and streams the answer away, counting bytes: a
 * 459 MB answer costs the bench no memory. Never rejects; failures are in `error`.
 */
export function send(url: string, path: string, options: SendOptions = {}): Promise<HttpOutcome> {
  const started = performance.now();
  const keep = options.keepBytes ?? 4096;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let bytes = 0;
    let status: number | undefined;
    let settled = false;
    const finish = (error: string | undefined) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ status, bytes, ms: performance.now() - started, head: Buffer.concat(chunks).toString('utf8'), error });
    };
    const req = request(
      `${url}${path}`,
      { method: options.method ?? 'POST', headers: options.headers, agent: false, localAddress: options.localAddress },
      (res) => {
        status = res.statusCode;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (kept < keep) {
            const part = chunk.subarray(0, keep - kept);
            chunks.push(part);
            kept += part.length;
          }
        });
        res.on('end', () => finish(undefined));
        res.on('error', () => finish('reset mid-response'));
        res.on('aborted', () => finish('reset mid-response'));
      },
    );
    const onAbort = () => {
      finish('stopped by the bench');
      req.destroy();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.message));
    req.end(options.body);
  });
}

/** The error code an error body names (`"code":"BATCH_TOO_MANY_REQUESTS"`), if any. */
export function codeIn(text: string): string | undefined {
  return /"code"\s*:\s*"([A-Z_]+)"/.exec(text)?.[1];
}

/** Megabytes, for messages. */
export function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}

/** One line about an outcome: `200, 459 MB in 9.1 s` or `ECONNRESET after 3.2 s`. */
export function describe(outcome: HttpOutcome): string {
  const seconds = `${(outcome.ms / 1000).toFixed(1)} s`;
  if (outcome.status === undefined) return `${outcome.error} after ${seconds}`;
  const code = outcome.status >= 400 ? codeIn(outcome.head) : undefined;
  const what = `${outcome.status}${code === undefined ? '' : ` ${code}`}, ${mb(outcome.bytes)} in ${seconds}`;
  return outcome.error === undefined ? what : `${what}, then ${outcome.error}`;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
