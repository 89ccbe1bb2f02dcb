// Public API of @restbatch/http: the fetch entry's exports and the node:http handler.
export * from './fetch.js';
export { createHttpHandler, type HttpHandler, type HttpHandlerOptions } from './http-handler.js';
export { writeTimeoutOf } from './http-options.js';
export { jsonTextOrStream } from './write-json-in-turns.js';
export { type Connection, drainedWithin, flushedWithin, writeWatch } from './write-timeout.js';
