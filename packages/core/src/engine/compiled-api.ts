import type { Dialect } from '../dialects/dialect.js';
import type { ErrorEncoder } from '../errors/error-encoder.js';
import type { RouteTable } from '../routing/route-table.js';
import type { Session } from '../session/session.js';
import type { BatchPrecheck } from './engine-options.js';

/** A batch endpoint with its dialect's defaults and the engine's overrides resolved. */
export interface CompiledEndpoint {
  readonly path: string;
  readonly dialect: Dialect;
  readonly maxSubRequests: number;
  readonly anyContentType: boolean;
  readonly singleQuotedJson: boolean;
  /** See `DialectDefaults.allowEmpty`. */
  readonly allowEmpty: boolean;
  readonly allowExistingSession: boolean;
  readonly nonInheritedHeaders: readonly string[];
  /** See `DialectDefaults.ignoredOuterHeaders` (lower case). */
  readonly ignoredOuterHeaders: readonly string[];
}

/** An API as the engine runs it. */
export interface CompiledApi {
  readonly base: string;
  readonly routes: RouteTable;
  /** Batch endpoints by their path below the base (`/batch`). */
  readonly endpoints: ReadonlyMap<string, CompiledEndpoint>;
  /** The error shape of ordinary calls. */
  readonly errors: ErrorEncoder;
  /** Query parameter naming the session of ordinary calls; undefined when the API has none. */
  readonly sessionParam: string | undefined;
  readonly errorDetail: (session: Session | undefined) => boolean;
  readonly prechecks: readonly BatchPrecheck[];
}
