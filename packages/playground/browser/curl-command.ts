/** Quotes a word for a POSIX shell: single quotes, with each `'` written as `'\''`. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The request the page sends, as curl would send it. */
export interface CurlRequest {
  readonly method: string;
  /** Absolute URL. */
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/**
 * A curl command line that sends exactly `request` (`-N` prints each streamed line as it arrives;
 * `-g` sends `[`, `]`, `{` and `}` of the URL as they are, where curl would read them as a glob).
 */
export function curlCommand(request: CurlRequest): string {
  const parts = [`curl -sS -N -g -X ${request.method} ${shellQuote(request.url)}`];
  for (const [name, value] of Object.entries(request.headers)) parts.push(`-H ${shellQuote(`${name}: ${value}`)}`);
  if (request.body !== undefined) parts.push(`--data-raw ${shellQuote(request.body)}`);
  return parts.join(' \\\n  ');
}
