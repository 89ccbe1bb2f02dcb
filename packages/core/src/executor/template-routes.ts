import type { HttpMethod } from '../model/http-method.js';
import type { RouteTable } from '../routing/route-table.js';
import type { TemplateRoute } from '../routing/template-route.js';
import type { BoundTemplate } from './compile-references.js';

// Marks a reference's place while a path's shape is worked out; a control character, so it can
// never be part of a literal segment that the route table accepts.
const OPEN = '\u0000';

/** A step of the shapes seen: its literal parts lead on by text, a reference by `open`. */
interface Shape {
  readonly texts: Map<string, Shape>;
  open: Shape | undefined;
  /** The route of the paths that end here; null when only the router can tell, undefined until looked up. */
  route: TemplateRoute | null | undefined;
}

function shape(): Shape {
  return { texts: new Map(), open: undefined, route: undefined };
}

/**
 * Finds, before anything runs, the routes of paths whose references each fill one segment or part
 * of one (a path value is always encoded as one segment, so it cannot add any). One per batch: paths of
 * the same shape (`/Parameters/${...}`) are looked up once, and telling them apart reads each
 * literal part once, with no string built.
 */
export class TemplateRoutes {
  readonly #methods = new Map<HttpMethod, Shape>();

  constructor(private readonly routes: RouteTable) {}

  /** The route `path` reaches whatever its references resolve to, or undefined when only the router can tell. */
  find(method: HttpMethod, path: BoundTemplate): TemplateRoute | undefined {
    if (path.whole !== undefined) return undefined;
    let at: Shape | undefined = this.#methods.get(method);
    if (at === undefined) {
      at = shape();
      this.#methods.set(method, at);
    }
    const parts = path.parts;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as BoundTemplate['parts'][number];
      let next: Shape | undefined = typeof part === 'string' ? at.texts.get(part) : at.open;
      if (next === undefined) {
        next = shape();
        if (typeof part === 'string') at.texts.set(part, next);
        else at.open = next;
      }
      at = next;
    }
    if (at.route === undefined) at.route = this.#lookUp(method, parts) ?? null;
    return at.route ?? undefined;
  }

  #lookUp(method: HttpMethod, parts: BoundTemplate['parts']): TemplateRoute | undefined {
    let text = '';
    for (const part of parts) {
      // Text holding the marker itself would be read as a reference.
      if (typeof part !== 'string') text += OPEN;
      else if (part.includes(OPEN)) return undefined;
      else text += part;
    }
    if (text.charCodeAt(0) !== 47) return undefined;
    const segments: (string | undefined)[] = [];
    let partial = false;
    for (const segment of text.slice(1).split('/')) {
      if (segment === OPEN) segments.push(undefined);
      else if (segment.includes(OPEN)) {
        // A reference next to text or to another reference: still one segment (a value cannot add
        // a `/`), so open like a whole one, but its text is known only at run time.
        segments.push(undefined);
        partial = true;
      } else segments.push(segment);
    }
    const route = this.routes.matchTemplate(method, segments);
    return partial ? route?.matchedByRouter() : route;
  }
}
