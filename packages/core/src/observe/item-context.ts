import { type Context, INVALID_SPAN_CONTEXT, ROOT_CONTEXT, type Span, trace } from '@opentelemetry/api';

/**
 * A context that is `parent` with `span` as its span: what `trace.setSpan(parent, span)` makes, but
 * one small object instead of a copied map and three closures, for the context each sub-request
 * runs in. Reading is all most handlers do; a handler that derives a context from it (a child span
 * made active) gets an ordinary one.
 */
class ItemContextOf implements Context {
  constructor(
    readonly parent: Context,
    readonly span: Span,
    readonly key: symbol,
  ) {}

  getValue(key: symbol): unknown {
    return key === this.key ? this.span : this.parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return trace.setSpan(this.parent, this.span).setValue(key, value);
  }

  deleteValue(key: symbol): Context {
    return trace.setSpan(this.parent, this.span).deleteValue(key);
  }
}

/**
 * The key under which the API keeps a context's span, learned through the public `trace.getSpan`
 * (which reads it with `getValue`). The API makes its keys with `Symbol.for`, so every copy of the
 * API shares it; undefined if some version reads the span otherwise (then contexts are made as usual).
 */
const SPAN_KEY: symbol | undefined = (() => {
  let key: symbol | undefined;
  const probe: Context = {
    getValue(asked) {
      key = asked;
      return undefined;
    },
    setValue: () => probe,
    deleteValue: () => probe,
  };
  trace.getSpan(probe);
  if (key === undefined) return undefined;
  const span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
  const learned = key;
  const check = new ItemContextOf(ROOT_CONTEXT, span, learned);
  return trace.getSpan(check) === span && trace.getSpan(ROOT_CONTEXT.setValue(learned, span)) === span ? learned : undefined;
})();

/** `parent` with `span` as its span (see {@link ItemContextOf}). */
export function itemContext(parent: Context, span: Span): Context {
  return SPAN_KEY === undefined ? trace.setSpan(parent, span) : new ItemContextOf(parent, span, SPAN_KEY);
}
