import { RestBatchError } from '../errors/restbatch-error.js';
import type { HttpMethod } from '../model/http-method.js';
import type { Headers, Query, SubRequest } from '../model/canonical.js';
import type { RouteMatch } from '../routing/route-table.js';
import type { AuthRequest } from '../engine/engine-options.js';
import type { EngineRequest } from '../engine/engine-types.js';
import { callerKey, defaultIdentityKey } from '../session/caller-key.js';
import type { SessionOwner } from '../session/session-store.js';
import { MemoryRateLimiter, type RateLimiter } from './rate-limiter.js';
import { excerpt } from '../errors/excerpt.js';

/** What the authorisation hook sees of one call: the same for a sub-request and for the call made alone. */
export interface AuthorizeCall {
  readonly method: HttpMethod;
  /** Path below the API's base, such as `/Roles/MyRole`. */
  readonly path: string;
  /** The resource the route belongs to. */
  readonly resource: string;
  /** The route's pattern, such as `/Roles/:id`. */
  readonly pattern: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Query>;
  readonly inBatch: boolean;
  /** Position in the batch, or -1 for an ordinary call. */
  readonly index: number;
}

/**
 * Options of the engine's rate limit: every sub-request and every ordinary call costs one unit.
 * `Identity` is what `authenticate` returns (see {@link PolicyOptions}).
 */
export interface RateLimitOptions<Identity = unknown> {
  /** Where budgets live (default: a {@link MemoryRateLimiter} with `limit` and `windowMs`). */
  limiter?: RateLimiter;
  /** Budget of the default limiter (default 100 units). */
  limit?: number;
  /** Refill time of the default limiter, in ms (default 60 000). */
  windowMs?: number;
  /**
   * The budget a caller spends from, computed once per outer request; `undefined` exempts it.
   * Default: the remote address, or the transport's name when there is none.
   */
  key?: (identity: Identity, request: AuthRequest) => string | undefined;
}

/**
 * The policy hooks of `createEngine()`. `Identity` is what `authenticate` returns, inferred from it:
 * `authorize`, `rateLimit.key` and `identityKey` get it typed (without `authenticate` it is `unknown`,
 * and the identity is undefined).
 */
export interface PolicyOptions<Identity = unknown> {
  /** Called once per outer request; throw `RestBatchError('UNAUTHORIZED')` to reject it whole (401). */
  authenticate?: (request: AuthRequest) => Identity | Promise<Identity>;
  /**
   * Called for every sub-request and every ordinary call alike; throw `RestBatchError('FORBIDDEN')`
   * (403) or return `false` to refuse it. Anything else it throws becomes a logged 500.
   */
  authorize?: (identity: Identity, call: AuthorizeCall) => unknown;
  rateLimit?: RateLimitOptions<Identity>;
  /**
   * The text that names the caller an identity stands for, for counting and keying sessions and
   * idempotency records per caller; `undefined` when it names no one (the remote address is used).
   * Default: a non-empty string or number identity as is, else its `id` (or `sub`), else its JSON.
   */
  identityKey?: (identity: Identity) => string | undefined;
}

/** Who an outer request comes from and the policy its calls are checked against. */
export interface Caller {
  readonly identity: unknown;
  /** Whom sessions and idempotency records are counted against (see `callerKey`). */
  readonly key: string;
  /** Always set; its `checks` is false when no per-call hook is configured, so calls pay nothing. */
  readonly policy: CallerPolicy;
}

/** The outer request's caller, once authenticated: what the executor checks every call against. */
export class CallerPolicy {
  constructor(
    readonly identity: unknown,
    readonly rateKey: string | undefined,
    private readonly engine: EnginePolicy,
    /** Whom the caller's new sessions are counted against, and how many it may keep. */
    readonly owner: SessionOwner,
  ) {}

  /** Whether {@link check} has anything to check (a rate limit or an authorisation hook). */
  get checks(): boolean {
    return this.engine.limiter !== undefined || this.engine.authorize !== undefined;
  }

  /** Spends one unit of the caller's budget, then asks the authorisation hook; throws to refuse. */
  async check(call: AuthorizeCall): Promise<void> {
    const { limiter, authorize } = this.engine;
    if (limiter !== undefined && this.rateKey !== undefined) {
      const decision = await limiter.take(this.rateKey, 1);
      if (!decision.allowed) {
        const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
        throw new RestBatchError('RATE_LIMITED', `Too many requests; retry in ${seconds} s`, {
          headers: { 'retry-after': String(seconds) },
          details: { retryAfterSeconds: seconds },
        });
      }
    }
    if (authorize !== undefined && (await authorize(this.identity, call)) === false) {
      throw new RestBatchError('FORBIDDEN', `${excerpt(call.method)} ${excerpt(call.path)} is not allowed for this caller`);
    }
  }
}

/** Most caller keys of requests without an identity that an engine keeps. */
const MAX_ANONYMOUS_KEYS = 1024;

/** The engine's policy: authenticates outer requests and binds each to a {@link CallerPolicy}. */
export class EnginePolicy {
  readonly authorize: PolicyOptions['authorize'];
  readonly limiter: RateLimiter | undefined;
  readonly #authenticate: PolicyOptions['authenticate'];
  readonly #key: NonNullable<RateLimitOptions['key']>;
  readonly #identityKey: NonNullable<PolicyOptions['identityKey']>;

  readonly #sessionsPerCaller: number;
  /** Caller keys of requests without an identity, by remote address or transport (see `#anonymousKey`). */
  readonly #anonymousKeys = new Map<string, string>();

  /** `sessionsPerCaller`: the most live sessions one caller keeps (`EngineLimits.maxSessionsPerCaller`). */
  constructor(options: PolicyOptions, sessionsPerCaller = 100) {
    this.#sessionsPerCaller = sessionsPerCaller;
    this.authorize = options.authorize;
    this.#authenticate = options.authenticate;
    const rate = options.rateLimit;
    this.limiter = rate === undefined ? undefined : (rate.limiter ?? new MemoryRateLimiter({ limit: rate.limit, windowMs: rate.windowMs }));
    this.#key = rate?.key ?? ((_identity, request) => request.remoteAddress ?? request.transport);
    this.#identityKey = options.identityKey ?? defaultIdentityKey;
  }

  /**
   * Runs the authentication hook once for an outer request (a refusal rejects it whole) and binds
   * the caller and the key its sessions and records are counted against.
   */
  async admit(request: EngineRequest, headers: Readonly<Headers>): Promise<Caller> {
    const auth: AuthRequest = {
      headers,
      transport: request.transport ?? 'unknown',
      remoteAddress: request.remoteAddress,
    };
    const identity = this.#authenticate === undefined ? undefined : await this.#authenticate(auth);
    const rateKey = this.limiter === undefined ? undefined : this.#key(identity, auth);
    const key =
      identity === undefined
        ? this.#anonymousKey(request.remoteAddress, auth.transport)
        : callerKey({ identity, remoteAddress: request.remoteAddress, transport: auth.transport }, this.#identityKey);
    const owner: SessionOwner = { owner: key, maxPerOwner: this.#sessionsPerCaller };
    return { identity, key, policy: new CallerPolicy(identity, rateKey, this, owner) };
  }

  /**
   * The caller key of a request without an identity: its remote address, else its transport. Kept
   * by their text (a SHA-256 each otherwise, some microseconds per request: a batch of 100 paid
   * about 2% for it); bounded, emptied when full, as a client can bring any number of addresses.
   */
  #anonymousKey(remoteAddress: string | undefined, transport: string): string {
    const text = remoteAddress !== undefined && remoteAddress !== '' ? `addr ${remoteAddress}` : `transport ${transport}`;
    let key = this.#anonymousKeys.get(text);
    if (key === undefined) {
      key = callerKey({ identity: undefined, remoteAddress, transport }, this.#identityKey);
      if (this.#anonymousKeys.size >= MAX_ANONYMOUS_KEYS) this.#anonymousKeys.clear();
      this.#anonymousKeys.set(text, key);
    }
    return key;
  }

  /** The text of an identity (see {@link PolicyOptions.identityKey}). */
  identityKey(identity: unknown): string | undefined {
    return identity === undefined ? undefined : this.#identityKey(identity);
  }
}

/** The {@link AuthorizeCall} of a matched sub-request (index >= 0) or ordinary call (index -1). */
export function policyCall(sub: SubRequest, match: RouteMatch, index: number): AuthorizeCall {
  return {
    method: sub.method,
    path: sub.path,
    resource: match.route.resource,
    pattern: match.route.pattern,
    params: match.params,
    query: sub.query,
    inBatch: index >= 0,
    index,
  };
}
