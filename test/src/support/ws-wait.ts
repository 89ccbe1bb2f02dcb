/** Waits until `read()` has kept one value for `quietMs`, and returns it; throws after `limitMs` so a broken test fails instead of hanging. */
export async function steady<T>(read: () => T, what: string, quietMs = 250, limitMs = 10_000): Promise<T> {
  const start = Date.now();
  let value = read();
  let since = Date.now();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const now = read();
    if (now !== value) {
      value = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return value;
    }
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting until ${what} settles`);
  }
}

/** Resolves with `promise`, or throws once `limitMs` has passed so a test fails instead of hanging. */
export async function within<T>(promise: Promise<T>, what: string, limitMs = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), limitMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The raw TCP socket under a `ws` client: pausing it makes a client that stops reading. */
export function rawSocket(socket: unknown): { pause(): void; resume(): void } {
  return (socket as { _socket: { pause(): void; resume(): void } })._socket;
}
