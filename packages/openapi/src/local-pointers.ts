/** Whether `value` is a `$ref` into the schema itself (`#` or `#/…`), not into the document's `#/components/…`. */
export function isLocalPointer(value: unknown): value is string {
  return typeof value === 'string' && (value === '#' || value.startsWith('#/')) && !value.startsWith('#/components/');
}

/** Whether `value` is a plain JSON object (not `null`, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
