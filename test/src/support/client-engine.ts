import 'reflect-metadata';
import { type ApiOptions, createEngine, type Engine, Get, type HandlerContext, odataDialect, Post, Resource, reply } from '@restbatch/core';
import { exampleApis } from '@restbatch/example-server';
import { inject } from 'tsyringe';

const LAB = Symbol('test.lab');

/** Per-engine state of the `/lab` API: call counts per key and gates the test opens. */
export class LabState {
  readonly calls = new Map<string, number>();
  /** When each call of a key arrived (`performance.now()`). */
  readonly times = new Map<string, number[]>();
  readonly #gates = new Map<string, { promise: Promise<void>; open: () => void }>();

  gate(name: string) {
    let entry = this.#gates.get(name);
    if (entry === undefined) {
      let open!: () => void;
      const promise = new Promise<void>((resolve) => {
        open = resolve;
      });
      entry = { promise, open };
      this.#gates.set(name, entry);
    }
    return entry;
  }

  /** Opens every gate, so no handler is left waiting when the test ends. */
  openAll(): void {
    for (const name of ['a', 'b', 'c', 'slow']) this.gate(name).open();
  }
}

@Resource('lab')
class LabResource {
  constructor(@inject(LAB) private readonly state: LabState) {}

  /** Answers its query back. */
  @Get('echo')
  echo(ctx: HandlerContext) {
    return { query: ctx.query };
  }

  /**
   * `status` (503, or 429) with `Retry-After: after` (0; `none` sends no header) while fewer than
   * `fail` calls were made for this key, then 200; each call's time is kept for the test.
   */
  @Get('flaky/:key')
  flakyGet(ctx: HandlerContext) {
    return this.flaky(ctx);
  }

  @Post('flaky/:key')
  flakyPost(ctx: HandlerContext) {
    return this.flaky(ctx);
  }

  /** Answers with headers of its own: a media type of its own and a custom field. */
  @Get('typed')
  typed() {
    return reply(200, { typed: true }, { 'content-type': 'application/merge-patch+json', 'x-lab': 'typed' });
  }

  /** Waits until the test opens the gate of that name. */
  @Post('gate/:name')
  async gated(ctx: HandlerContext) {
    await this.state.gate(ctx.params.name!).promise;
    return { name: ctx.params.name };
  }

  private flaky(ctx: HandlerContext) {
    const key = ctx.params.key!;
    const calls = (this.state.calls.get(key) ?? 0) + 1;
    this.state.calls.set(key, calls);
    this.state.times.set(key, [...(this.state.times.get(key) ?? []), performance.now()]);
    const fail = Number(ctx.query.fail ?? 2);
    const after = String(ctx.query.after ?? '0');
    if (calls <= fail)
      return reply(
        Number(ctx.query.status ?? 503),
        { code: 'BUSY', message: 'try again' },
        after === 'none' ? {} : { 'retry-after': after },
      );
    return { calls };
  }
}

/** The `/api` API: an OData batch endpoint at `/api/$batch` that takes at most 3 calls. */
function labApi(state: LabState): ApiOptions {
  return {
    base: '/api',
    resources: [LabResource],
    batch: [{ path: '$batch', dialect: odataDialect({ maxSubRequests: 3 }) }],
    register: (container) => container.registerInstance(LAB, state),
  };
}

/** The example server's APIs plus `/lab`, in a fresh engine. */
export function clientTestEngine(): { engine: Engine; lab: LabState } {
  const lab = new LabState();
  const engine = createEngine({ apis: [...exampleApis(), labApi(lab)], logger: { error: () => undefined } });
  return { engine, lab };
}
