const nodeBuffer = (globalThis as { Buffer?: { byteLength(text: string): number } }).Buffer;

/**
 * The length of `text` in UTF-8 bytes (a lone surrogate as the 3 bytes of U+FFFD, as encoders
 * write it): Node's native count where the runtime has `Buffer`, else counted here (edge runtimes).
 */
export function utf8Length(text: string): number {
  if (nodeBuffer !== undefined) return nodeBuffer.byteLength(text);
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) bytes += 1;
    else {
      // Two units of a pair are 4 bytes; any other unit from U+0800 (a lone surrogate too) is 3.
      bytes += 2;
      const next = text.charCodeAt(i + 1);
      if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  return bytes;
}
