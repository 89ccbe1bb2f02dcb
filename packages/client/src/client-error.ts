/** Codes of {@link ClientError}. */
export type ClientErrorCode =
  | 'BATCH_REJECTED'
  | 'TRANSPORT_FAILED'
  | 'ABORTED'
  | 'MISSING_RESULT'
  | 'NO_BATCH_ENDPOINT'
  | 'BATCH_TOO_LARGE'
  | 'UNSUPPORTED'
  | 'INVALID_CALL'
  | 'INVALID_OPTIONS'
  | 'EMPTY_BATCH'
  | 'REFERENCE_IN_RETRY'
  | 'CLIENT_CLOSED';

/** Why a call's promise rejected: the batch was refused whole, the transport failed, or it was aborted. */
export class ClientError extends Error {
  override readonly name = 'ClientError';
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    /** The HTTP status of a refused batch. */
    readonly status?: number,
    /** The server's error body of a refused batch, and its code when the body names one. */
    readonly body?: unknown,
    readonly serverCode?: string,
  ) {
    super(message);
  }
}

/** The error code an error body of any of the dialects names (`code`, `errorCode`, `error.code`). */
export function errorCodeOf(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const b = body as { code?: unknown; errorCode?: unknown; error?: { code?: unknown } };
  const code = b.code ?? b.errorCode ?? b.error?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The message an error body names, for `ClientError` messages. */
export function errorMessageOf(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const b = body as { message?: unknown; reason?: unknown; userMessage?: unknown; error?: { message?: unknown } };
  const m = b.message ?? b.reason ?? b.userMessage ?? b.error?.message;
  return typeof m === 'string' ? m : undefined;
}

/** A body JSON cannot write (a BigInt, a cycle): the caller's error, refused before anything is sent (INVALID_CALL). */
export function unsendable(method: string, url: string, error: unknown): ClientError {
  return new ClientError(
    'INVALID_CALL',
    `${method} ${url}: the body cannot be sent as JSON: ${(error as Error)?.message ?? String(error)}`,
  );
}

/** A request or call aborted by its signal (`ABORTED`). */
export function aborted(method: string, url: string): ClientError {
  return new ClientError('ABORTED', `${method} ${url} was aborted`);
}

/** A request the transport could not carry out (`TRANSPORT_FAILED`), with the underlying error's message. */
export function transportFailed(method: string, url: string, error: unknown): ClientError {
  return new ClientError('TRANSPORT_FAILED', `${method} ${url} failed: ${(error as Error)?.message ?? String(error)}`);
}

/** A call made (or due for a retry) after `client.close()` (`CLIENT_CLOSED`). */
export function clientClosed(method: string, path: string): ClientError {
  return new ClientError('CLIENT_CLOSED', `${method} ${path}: the client was closed (client.close())`);
}
