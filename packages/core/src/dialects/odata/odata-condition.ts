import type { SubRequest } from '../../model/canonical.js';
import { quoted } from '../../errors/excerpt.js';

/** A parsed `if`: the terms that must all hold, or the reason the engine cannot evaluate it. */
export type OdataCondition = { terms: NonNullable<SubRequest['condition']>; unsupported?: undefined } | { unsupported: string };

// Operator names and `$succeeded` in any case (OData-URL 4.01 §5.1.1.1: "4.01 Services MUST support
// case-insensitive operator names").
const TERM = /^\$([^\s/{}$]+)\/\$succeeded$/i;

/**
 * Parses the `if` of a request object (OData JSON 4.01 §19.1) in the subset the engine evaluates:
 * `$<id>/$succeeded`, `not $<id>/$succeeded`, joined by `and`. `resolve` maps an id or atomicity
 * group, as the client spelled it, to the key the executor reads (a group's name: it has succeeded
 * when every member has). Any other expression is `unsupported`: that request fails with 424, as
 * §19.1 requires of a service that does not support the condition.
 */
export function parseOdataCondition(text: string, resolve: (name: string) => string): OdataCondition {
  const terms: Array<{ key: string; succeeded: boolean }> = [];
  // Words, then a walk over them: a pattern that splits on `\s+and\s+` backtracks on a long run of
  // spaces (quadratic: 60 000 spaces held the event loop for seconds).
  const words = text.trim().split(/\s+/);
  for (let i = 0; ; ) {
    const negated = words[i]?.toLowerCase() === 'not';
    if (negated) i++;
    const match = i < words.length ? TERM.exec(words[i] as string) : null;
    if (match === null) {
      return unsupported(text);
    }
    terms.push({ key: resolve(match[1] as string), succeeded: !negated });
    if (++i === words.length) return { terms };
    if (words[i++]?.toLowerCase() !== 'and') {
      return unsupported(text);
    }
  }
}

function unsupported(text: string): OdataCondition {
  return { unsupported: `if ${quoted(text)} is not supported; use $<id>/$succeeded or not $<id>/$succeeded, joined by and` };
}
