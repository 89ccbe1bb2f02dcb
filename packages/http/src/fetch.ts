// The fetch entry of @restbatch/http (`@restbatch/http/fetch`): the fetch handler and what it
// shares with other mounts, without the node:http handler, so that nothing here imports a Node
// built-in or needs Node's types (edge runtimes, browser-platform bundles, `types: []`).
export { createFetchHandler, type FetchHandler, type FetchHandlerOptions } from './fetch-handler.js';
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
