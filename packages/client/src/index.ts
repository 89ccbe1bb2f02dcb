// Public API of @restbatch/client. No Node built-in is imported from here (it runs in a browser);
// the in-process transport is `@restbatch/client/direct`.
export type { BatchBuilder, BatchCall, ReferencedValue, ResultPointer } from './batch-builder.js';
export type { FailurePolicy } from './client-dialect.js';
export { ClientError, type ClientErrorCode } from './client-error.js';
export type {
  AnyResult,
  CallArgs,
  CallInit,
  CallOptions,
  CallResult,
  ErrorBody,
  Method,
  OperationOf,
  PathsWith,
  SuccessBody,
} from './client-types.js';
export { type BatchOptions, type BatchResult, type Client, type ClientOptions, createClient, type DialectName } from './create-client.js';
export { type HttpTransportOptions, httpTransport } from './http-transport.js';
export type { RetryOptions } from './retry-policy.js';
export type { BatchSummary, Transport, WireRequest, WireResponse, WireResult } from './transport.js';
export { type WebSocketLike, type WsTransportOptions, wsTransport } from './ws-transport.js';
