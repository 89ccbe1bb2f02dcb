// Public API of @restbatch/http.
export { createFetchHandler, type FetchHandler, type FetchHandlerOptions } from './fetch-handler.js';
export { createHttpHandler, type HttpHandler, type HttpHandlerOptions } from './http-handler.js';
export {
  DEFAULT_WRITE_TIMEOUT_MS,
  finalLine,
  type HttpTransportOptions,
  NDJSON_HEADERS,
  NDJSON_TYPE,
  ndjsonLine,
  type ResponseEvent,
  wantsNdjson,
} from './http-options.js';
export { mayBeLarge } from './json-in-turns.js';
export { jsonTextOrStream } from './write-json-in-turns.js';
