/**
 * Whether `text` takes more than `max` bytes as UTF-8, without encoding it: the length alone
 * decides when it is above `max` (one byte at least per UTF-16 unit) or at most a third of it
 * (three bytes at most per unit; a surrogate pair is four for two); only between are the units
 * counted, and the count stops once past `max`. Text from `JSON.stringify` holds no lone
 * surrogate (it escapes them), so a surrogate is always half of a pair.
 */
export function exceedsUtf8Bytes(text: string, max: number): boolean {
  const length = text.length;
  if (length > max) return true;
  if (length * 3 <= max) return false;
  let bytes = length;
  for (let i = 0; i < length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    bytes += unit < 0x800 || (unit >= 0xd800 && unit < 0xe000) ? 1 : 2;
    if (bytes > max) return true;
  }
  return false;
}
