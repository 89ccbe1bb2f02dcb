/** The two hex digits of each byte value. */
const HEX: readonly string[] = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * `bytes` random bytes (Web Crypto's `getRandomValues`, as in Node 20 and every fetch runtime) as
 * lower-case hex. Joined, not concatenated: `+=` of 32 digits makes a tree of some twenty cons
 * strings, and a session keeps its id and ApiKey for its whole life (it doubled an idle session's heap).
 */
export function randomHex(bytes: number): string {
  const values = crypto.getRandomValues(new Uint8Array(bytes));
  const digits = new Array<string>(bytes);
  for (let i = 0; i < bytes; i++) digits[i] = HEX[values[i] as number] as string;
  return digits.join('');
}
