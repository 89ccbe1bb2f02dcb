// Public API of @restbatch/core. What is not exported here is private.
export { createEngine, Engine, DEFAULT_LIMITS } from './engine/create-engine.js';
export type { EngineRequest, EngineResponse } from './engine/engine-types.js';
export { type InjectRequest, type InjectResponse, inject } from './engine/inject.js';
export { hasBody, JSON_TYPE, responseHeaders, serializeResponse } from './engine/serialize-response.js';
export { requestShapeError, shapeErrorUrl } from './engine/request-shape.js';
export type { ApiDescription, BatchEndpointDescription, RouteDescription } from './engine/describe-apis.js';
export { SUMMARY_HEADER } from './engine/engine-responses.js';
export { shuttingDownError } from './engine/shutting-down-error.js';
export type {
  ApiOptions,
  ApiSessionOptions,
  AuthRequest,
  BatchEndpointOptions,
  BatchPrecheck,
  EngineLimits,
  EngineOptions,
} from './engine/engine-options.js';
export type { SchemaFormat } from './validation/create-ajv.js';
export type {
  BatchEndEvent,
  BatchStartEvent,
  ObserveHooks,
  SubRequestEndEvent,
  SubRequestStartEvent,
} from './observe/observe-hooks.js';
export type { ObserveOptions } from './observe/observer.js';
export type { TelemetryOptions } from './observe/telemetry.js';
export {
  type ConsoleLoggerOptions,
  consoleLogger,
  fromLegacyLogger,
  type LegacyLogger,
  type LogFn,
  type Logger,
  type LogLevel,
  serializeError,
  stderrLogger,
} from './engine/logger.js';
export { ENGINE_TOKEN, SESSION_STORE_TOKEN } from './engine/tokens.js';
export { parseUrl } from './engine/parse-url.js';
export { normalizeHeaders } from './headers/normalize-headers.js';
export { BAD_TARGET, badTarget, originForm } from './engine/request-target.js';
export {
  IDEMPOTENCY_HEADER,
  IDEMPOTENCY_STATUS_HEADER,
  IDEMPOTENCY_KEY_SHAPE,
  type IdempotencyLimits,
  type IdempotencyOptions,
  REPLAY_HEADER,
} from './engine/idempotency-guard.js';
export { TIMEOUT_HEADER } from './executor/timeouts.js';
export { MAX_TIMER_MS } from './executor/deadline.js';
export { REFERENCES_HEADER } from './headers/references-header.js';
export type { BatchRoute, RoutedBatch } from './executor/routed-batch.js';

export { ERROR_CODES, ERROR_STATUS, type ErrorCode, statusOf } from './errors/error-codes.js';
export {
  type AnyErrorCode,
  isBuiltInCode,
  isRestBatchError,
  RestBatchError,
  type RestBatchErrorOptions,
  toRestBatchError,
} from './errors/restbatch-error.js';
export type { ErrorCodeTable, ErrorMapper, ErrorMappingOptions } from './errors/error-mapping.js';
export { EXCERPT_CHARS, excerpt, quoted } from './errors/excerpt.js';
export { MIN_READ_BYTES_PER_SECOND, WriteWatch } from './transport/write-watch.js';
export { bytesTaken, bytesUnsent } from './transport/bytes-taken.js';
export { type AppErrorCodes, defineErrorCodes } from './errors/define-error-codes.js';
export { SETUP_ERROR_CODES, type SetupErrorCode, withCode } from './errors/setup-error-codes.js';
export type { ErrorEncoder } from './errors/error-encoder.js';
export {
  PROBLEM_JSON,
  type ProblemDetails,
  problemDetails,
  problemDetailsEncoder,
  type ProblemDetailsOptions,
} from './errors/problem-details.js';

export type {
  BatchRequest,
  BatchResult,
  BatchSummary,
  FailurePolicy,
  Headers,
  Query,
  SubError,
  SubRequest,
  SubResult,
} from './model/canonical.js';
export { HTTP_METHODS, type HttpMethod, isHttpMethod } from './model/http-method.js';

export { Resource } from './decorators/resource.js';
export { Delete, Get, Patch, Post, Put, type RouteDecorator, type TypedRouteOptions } from './decorators/routes.js';
export type { ResourceOptions, RouteOptions } from './decorators/metadata-keys.js';
export type { HandlerContext } from './resource/handler-context.js';
export type {
  ResourceHandler,
  RouteDefinition,
  RouteDocs,
  RouteHeaderDoc,
  RouteQueryDoc,
  SessionRequirement,
} from './resource/resource-handler.js';
export { Reply, reply } from './resource/reply.js';
export { defineRoute, type TypedRouteDefinition } from './resource/define-route.js';
export type { PathParams, SchemaBody } from './resource/route-types.js';
export type { ResourceClass, ResourceInput } from './routing/route-table.js';

export type {
  DecodeContext,
  DecodedBatch,
  Dialect,
  DialectDefaults,
  EncodeContext,
  ErrorView,
  ValueDecoder,
} from './dialects/dialect.js';
export { checkBatchSize } from './dialects/check-batch-size.js';
export { bodyMediaTypes, isJsonMediaType } from './engine/parse-body.js';
export {
  BATCH_SUMMARY_SCHEMA,
  type DialectOpenApi,
  type JsonSchema,
  type OpenApiEndpointContext,
  type OpenApiItemRoute,
  type OpenApiRequestVariant,
  payloadRequired,
  takesPayload,
} from './dialects/dialect-openapi.js';
export { exagoDialect, type ExagoResponseItem } from './dialects/exago/exago-dialect.js';
export {
  type GuidewireBatchResponse,
  guidewireDialect,
  type GuidewireDialectOptions,
  type GuidewireErrorBody,
  type GuidewireResponseItem,
} from './dialects/guidewire/guidewire-dialect.js';
export type {
  ExagoBatchRequest,
  ExagoBatchResponse,
  ExagoRequestItem,
  GuidewireBatchRequest,
  GuidewireRequestItem,
  OdataBatchRequest,
  OdataRequestItem,
} from './dialects/envelope-types.js';
export { GUIDEWIRE_BATCH_SCHEMA } from './dialects/guidewire/guidewire-batch-schema.js';
export {
  type OdataBatchResponse,
  odataDialect,
  type OdataDialectOptions,
  type OdataErrorBody,
  type OdataResponseItem,
} from './dialects/odata/odata-dialect.js';

export { DEFAULT_NON_INHERITED, DEFAULT_PROTECTED, type HeaderRuleOptions } from './headers/header-rule.js';
export { HeaderSet } from './headers/header-set.js';
export { checkHeaderLimits } from './headers/check-header-limits.js';
export { checkHeaderSyntax, headerSyntaxError } from './headers/check-header-syntax.js';
export { type AcceptWeight, acceptWeight } from './headers/accept-weight.js';
export type { AuthorizeCall, Caller, PolicyOptions, RateLimitOptions } from './policy/call-policy.js';
export { MemoryRateLimiter, type MemoryRateLimiterOptions, type RateDecision, type RateLimiter } from './policy/rate-limiter.js';
export { parseJson, type ParseJsonOptions } from './json/parse-json.js';
export type { JsonShape } from './json/json-shape.js';
export { JsonBody } from './json/json-body.js';
export { jsonWholeOrChunks, WHOLE_JSON_CHARS } from './json/json-in-turns.js';
export type { ValueReader } from './json/json-copy.js';
export { PreparedBody } from './engine/prepared-body.js';

export type {
  CreateSessionOptions,
  DataPatch,
  JsonValue,
  PatchedData,
  RecordLimits,
  SessionOwner,
  SessionStore,
  WriteOptions,
} from './session/session-store.js';
export { checkByteBudget, DEFAULT_MAX_SESSION_BYTES, dataSize, memberSize, sessionFullError } from './session/session-size.js';
export { jsonStringLength } from './json/json-string-length.js';
export { type CallerKeySource, callerKey, defaultIdentityKey } from './session/caller-key.js';
export { canonicalJson, sameJson } from './session/canonical-json.js';
export { mergeData } from './session/merge-data.js';
export type { BufferedWrite, SessionUnitOfWork } from './session/session-unit-of-work.js';
export { deepFreeze } from './session/deep-freeze.js';
export { checkEntryKey, isWellFormedKey } from './session/entry-key.js';
export { MemorySessionStore, type MemorySessionStoreOptions } from './session/memory-session-store.js';
export { Session } from './session/session.js';
export { Journal, type UndoStep } from './session/journal.js';
export { isSessionIdShape, newSessionId } from './session/session-id.js';

export { exagoApi } from './resources/exago/exago-api.js';
export type { ExagoApiOptions, ExagoRoleInit, ExagoSessionConfig } from './resources/exago/exago-options.js';
export { EXAGO_DATA_TYPES, type ExagoParameter } from './resources/exago/parameter-schema.js';
export type { ExagoRole } from './resources/exago/roles-resource.js';
// The built-in resource classes, so that benchmarks and apps can call their handlers directly.
export { ParametersResource } from './resources/exago/parameters-resource.js';
export { RolesResource } from './resources/exago/roles-resource.js';
export { SessionsResource } from './resources/exago/sessions-resource.js';
export { jsonCopy, type Snapshot, snapshot } from './executor/snapshot.js';
