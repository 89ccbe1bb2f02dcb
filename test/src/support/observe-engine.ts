import 'reflect-metadata';
import { trace } from '@opentelemetry/api';
import { createEngine, type Engine, type EngineOptions, Get, type HandlerContext, odataDialect, Resource } from '@restbatch/core';

/** A widget shop whose `boom` widget throws (code `EDISK`, with a cause); reading a widget opens a child span `lookup` of the active span. */
@Resource('widgets')
class Widgets {
  @Get(':id')
  read(ctx: HandlerContext) {
    const id = ctx.params.id as string;
    trace.getTracer('shop').startSpan('lookup').end();
    if (id === 'boom') throw Object.assign(new Error('kaput', { cause: new Error('disk on fire') }), { code: 'EDISK' });
    if (id === 'big') return { id, filler: 'x'.repeat(2000) };
    return { id };
  }
}

/** An engine of the widget shop (OData at `/shop/$batch`), with the given observers and logger. */
export function observeEngine(options: Partial<EngineOptions> = {}): Engine {
  return createEngine({
    apis: [{ base: '/shop', resources: [Widgets], batch: [{ path: '$batch', dialect: odataDialect({}) }] }],
    logger: { error: () => undefined },
    ...options,
  });
}

/** A known batch: `a` succeeds, `b` fails (500), `c` depends on `b` and is skipped (424). */
export const KNOWN_BATCH = {
  requests: [
    { id: 'a', method: 'GET', url: '/widgets/1' },
    { id: 'b', method: 'GET', url: '/widgets/boom' },
    { id: 'c', method: 'GET', url: '/widgets/2', dependsOn: ['b'] },
  ],
};

/** The trace the known batch continues. */
export const PARENT = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' };
export const TRACEPARENT = `00-${PARENT.traceId}-${PARENT.spanId}-01`;
