/** `bytes` random bytes (Web Crypto's `getRandomValues`, as in Node 20 and every fetch runtime) as lower-case hex. */
export function randomHex(bytes: number): string {
  let out = '';
  for (const byte of crypto.getRandomValues(new Uint8Array(bytes))) out += byte.toString(16).padStart(2, '0');
  return out;
}
