/** Most characters one fragment carries (at most 192 KiB of UTF-8: well under the default high-water mark). */
export const FRAGMENT_CHARS = 64 * 1024;

/**
 * Sends the text `chunks` make as the fragments of one WebSocket message (RFC 6455 §5.4): each
 * chunk is cut into pieces of at most {@link FRAGMENT_CHARS} characters, encoded as UTF-8 and handed
 * to `fragment`, whose promise (if any) is awaited before the next piece is made; `fin` is true on
 * the last one only (one piece is held back to know which is last). A cut never falls between the
 * two halves of a surrogate pair, so every fragment is whole UTF-8 (§8.1 only asks it of the
 * message, but a fragment made of half a pair would be encoded as U+FFFD). `chunks` must make text.
 */
export async function sendFragments(
  chunks: AsyncIterable<string>,
  fragment: (bytes: Buffer, fin: boolean) => Promise<void> | undefined,
): Promise<void> {
  let held: Buffer | undefined;
  for await (const chunk of chunks) {
    for (let at = 0; at < chunk.length; ) {
      const end = cutAt(chunk, at);
      const next = Buffer.from(chunk.slice(at, end));
      at = end;
      if (held !== undefined) await fragment(held, false);
      held = next;
    }
  }
  await fragment(held ?? Buffer.alloc(0), true);
}

/** Where the fragment that starts at `at` ends: {@link FRAGMENT_CHARS} on, one less when that would split a surrogate pair. */
function cutAt(text: string, at: number): number {
  const end = at + FRAGMENT_CHARS;
  if (end >= text.length) return text.length;
  const last = text.charCodeAt(end - 1);
  return last >= 0xd800 && last <= 0xdbff ? end - 1 : end;
}
