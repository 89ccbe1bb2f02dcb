/**
 * The first media type of a Content-Type value that a fetch runtime may have joined from several
 * header lines: `Headers` joins a repeated field's values with ", " (the Fetch standard's header
 * list "get"), and node:http keeps the first Content-Type line of several, so the fetch handler
 * reads what node reads. A media type holds no comma outside a quoted string (RFC 9110 §8.3.1: `media-type = type
 * "/" subtype parameters`; a parameter value is a token or a quoted-string, §5.6.4, where a comma
 * may stand: `application/json; x="a,b"`): the first comma outside quotes ends the first line's
 * value. A value without one comes back as it is.
 */
export function firstMediaType(value: string): string {
  if (!value.includes(',')) return value;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (quoted) {
      // quoted-pair (`\"`, `\\`) stays inside the string.
      if (c === 0x5c) i++;
      else if (c === 0x22) quoted = false;
    } else if (c === 0x22) quoted = true;
    else if (c === 0x2c) return value.slice(0, i);
  }
  return value;
}
