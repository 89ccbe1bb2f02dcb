import type { SubRequest } from '../../model/canonical.js';

/** A parsed `if`: the terms that must all hold, or the reason the engine cannot evaluate it. */
export type OdataCondition = { terms: NonNullable<SubRequest['condition']>; unsupported?: undefined } | { unsupported: string };

const TERM = /^(not\s+)?\$([^\s/{}$]+)\/\$succeeded$/;

/**
 * Parses the `if` of a request object (OData JSON 4.01 §19.1) in the subset the engine evaluates:
 * `$<id>/$succeeded`, `not $<id>/$succeeded`, joined by `and`. `resolve` maps an id or atomicity
 * group, as the client spelled it, to the key of the sub-request that stands for it. Any other
 * expression is `unsupported`: that request fails with 424, as §19.1 requires of a service that
 * does not support the condition.
 */
export function parseOdataCondition(text: string, resolve: (name: string) => string): OdataCondition {
  const terms: Array<{ key: string; succeeded: boolean }> = [];
  for (const part of text.trim().split(/\s+and\s+/)) {
    const match = TERM.exec(part);
    if (match === null) {
      return { unsupported: `if ${JSON.stringify(text)} is not supported; use $<id>/$succeeded or not $<id>/$succeeded, joined by and` };
    }
    terms.push({ key: resolve(match[2]!), succeeded: match[1] === undefined });
  }
  return { terms };
}
