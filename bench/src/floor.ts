import {
  type Engine,
  type HandlerContext,
  type JsonValue,
  ParametersResource,
  RolesResource,
  Session,
  SessionsResource,
} from '@restbatch/core';
import type { ExagoCall } from './exago-mix.js';

type Handler = (context: HandlerContext) => Promise<unknown>;

/** One call of the mix, resolved ahead of time to the handler and its path parameters. */
interface FloorStep {
  handler: Handler;
  params: Record<string, string>;
  body: unknown;
}

const NO_QUERY = Object.freeze(Object.create(null));
const signal = new AbortController().signal;

/** The least a handler needs: a session and its inputs; no routing, validation or encoding. */
class FloorContext implements HandlerContext {
  readonly query = NO_QUERY;
  readonly headers = NO_QUERY;
  readonly signal = signal;
  readonly inBatch = true;
  readonly identity = undefined;
  constructor(
    readonly params: Record<string, string>,
    readonly body: unknown,
    readonly index: number,
    readonly owner: FloorRun,
  ) {}
  get session(): Session | undefined {
    return this.owner.session;
  }
  get scope(): never {
    throw new Error('the floor has no DI scope');
  }
  async createSession(data: Record<string, JsonValue>): Promise<Session> {
    const store = this.owner.engine.store;
    this.owner.session = new Session(await store.create(data, { ttlMs: 60_000 }), data, store);
    return this.owner.session;
  }
  onRollback(): void {}
}

/** The state of one floor run: the engine whose store holds the session. */
interface FloorRun {
  engine: Engine;
  session: Session | undefined;
}

/**
 * The floor: the built-in resource classes' handlers, resolved from the engine's own container,
 * called in a loop with minimal contexts. What a batch costs above this is the engine's overhead.
 */
export function createFloor(engine: Engine, calls: readonly ExagoCall[]): () => Promise<{ sessionId: string; ok: number }> {
  const sessions = engine.container.resolve(SessionsResource);
  const parameters = engine.container.resolve(ParametersResource);
  const roles = engine.container.resolve(RolesResource);
  const steps = calls.map((call): FloorStep => {
    const [resource, id] = call.Url.split('/') as [string, string | undefined];
    const params: Record<string, string> = id === undefined ? {} : { id };
    const target = resource === 'Sessions' ? sessions : resource === 'Parameters' ? parameters : roles;
    const name = { POST: 'create', PATCH: 'update', GET: id === undefined ? 'list' : 'read', DELETE: 'remove' }[call.Method];
    const method = (target as unknown as Record<string, Handler>)[name] as Handler;
    return { handler: method.bind(target), params, body: call.Payload };
  });
  return async () => {
    const run: FloorRun = { engine, session: undefined };
    let ok = 0;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i] as FloorStep;
      try {
        await step.handler(new FloorContext(step.params, step.body, i, run));
        ok++;
      } catch {
        // A failing handler would make the floor meaningless; the count shows it.
      }
    }
    return { sessionId: run.session?.id ?? '', ok };
  };
}

const VERBS: Record<string, (id: string | undefined) => string> = {
  POST: () => 'create',
  PATCH: () => 'update',
  GET: (id) => (id === undefined ? 'list' : 'read'),
  DELETE: () => 'remove',
};

/** One answer of the naive batch, in Exago's shape. */
interface NaiveItem {
  ReturnCode: string;
  ResponseContent: unknown;
}

/**
 * The naive reference batch (issue 18): the same handlers as the floor, routed by a split of the
 * Url on every call, answers in Exago's shape. No validation, budgets, references or streaming.
 */
export function createNaiveBatch(engine: Engine): (calls: readonly ExagoCall[]) => Promise<NaiveItem[]> {
  const targets: Record<string, unknown> = {
    Sessions: engine.container.resolve(SessionsResource),
    Parameters: engine.container.resolve(ParametersResource),
    Roles: engine.container.resolve(RolesResource),
  };
  return async (calls) => {
    const run: FloorRun = { engine, session: undefined };
    const out: NaiveItem[] = [];
    for (let i = 0; i < calls.length; i++) {
      const call = calls[i] as ExagoCall;
      const [resource, id] = call.Url.split('/') as [string, string | undefined];
      const target = targets[resource] as Record<string, Handler> | undefined;
      const name = VERBS[call.Method]?.(id);
      const handler = target === undefined || name === undefined ? undefined : target[name];
      if (handler === undefined) {
        out.push({ ReturnCode: '404', ResponseContent: { reason: 'not found' } });
        continue;
      }
      try {
        const value = await handler.call(target, new FloorContext(id === undefined ? {} : { id }, call.Payload, i, run));
        if (value === undefined) out.push({ ReturnCode: '204', ResponseContent: { StatusCode: 204, StatusDescription: null } });
        else out.push({ ReturnCode: call.Method === 'POST' ? '201' : '200', ResponseContent: value });
      } catch (error) {
        out.push({ ReturnCode: '400', ResponseContent: { reason: (error as Error).message } });
      }
    }
    return out;
  };
}
