import 'reflect-metadata';
import {
  type ApiOptions,
  type BatchEndEvent,
  createEngine,
  type Engine,
  exagoApi,
  type Logger,
  type SessionStore,
  type TelemetryOptions,
} from '@restbatch/core';
import { type ClaimApiOptions, claimApi } from './claim-api/claim-api.js';
import { OpenApiResource } from './openapi-resource.js';

/** Options of {@link createExampleEngine}. */
export interface ExampleEngineOptions {
  /** Where sessions live (default: in memory, private to the engine). */
  store?: SessionStore;
  logger?: Logger;
  /** OpenTelemetry providers (default: the global ones, when an SDK registered them). */
  telemetry?: TelemetryOptions;
  /** Options of the claim API (its store's caps and list paging: `claims.limits`). */
  claims?: ClaimApiOptions;
  /** Told when each batch ends (the example server logs its WebSocket batches with it). */
  onBatchEnd?: (event: BatchEndEvent) => void;
}

/** The APIs of the example server, in the order of DESIGN.md's wire contract. */
export function exampleApis(claims: ClaimApiOptions = {}): ApiOptions[] {
  // The Exago batch endpoint also reads a form-typed body as JSON so that the vendor's own curl example
  // (sent as a form) works as written; see packages/http/README.md for why that is safe here.
  const exago = exagoApi({ configs: { default: { roles: [{ Id: 'MyRole' }] } }, anyContentType: true });
  // GET /rest/openapi.json describes both APIs (docs/openapi.md).
  return [{ ...exago, resources: [...exago.resources, OpenApiResource] }, claimApi(claims)];
}

/** Builds the example server's engine: the Exago resources under `/rest`. */
export function createExampleEngine(options: ExampleEngineOptions = {}): Engine {
  const { store, logger, telemetry, onBatchEnd } = options;
  return createEngine({ apis: exampleApis(options.claims), store, logger, telemetry, onBatchEnd });
}
