/**
 * Characters of a client's input an error message repeats at most (a path, a URL, an id, a header
 * value, a name): an error never carries input back whole, so a 200 KB URL is not answered with
 * 200 KB of message (twice, where a dialect repeats the message, as Guidewire's `developerMessage`).
 */
export const EXCERPT_CHARS = 200;

/**
 * `text` as an error message repeats it: whole up to {@link EXCERPT_CHARS} characters; a longer one
 * cut there (never inside a surrogate pair), followed by an ellipsis and its length:
 * `/claims/xxxx… (200014 characters)`.
 */
export function excerpt(text: string): string {
  if (text.length <= EXCERPT_CHARS) return text;
  return `${cut(text)}… (${text.length} characters)`;
}

/**
 * `value` quoted as JSON, as an error message names a client's string (`"cc:22"`), cut as
 * {@link excerpt} cuts: the ellipsis inside the quotes, the length after them. A value that is not
 * a string is shown as its JSON (or `String` of it), cut the same way.
 */
export function quoted(value: unknown): string {
  if (typeof value !== 'string') return excerpt(JSON.stringify(value) ?? String(value));
  if (value.length <= EXCERPT_CHARS) return JSON.stringify(value);
  return `${JSON.stringify(`${cut(value)}…`)} (${value.length} characters)`;
}

/** The first {@link EXCERPT_CHARS} characters, one fewer when the last would be the first half of a pair. */
function cut(text: string): string {
  const last = text.charCodeAt(EXCERPT_CHARS - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? EXCERPT_CHARS - 1 : EXCERPT_CHARS);
}
