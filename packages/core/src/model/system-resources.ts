/**
 * OData's top-level system resources (JSON Format 4.01 §19.1: a URL's first segment "identical to
 * the name of a top-level system resource" is never a reference to a request), with their `$`.
 */
export const SYSTEM_RESOURCES: ReadonlySet<string> = new Set(['$batch', '$crossjoin', '$all', '$entity', '$root', '$id', '$metadata']);
