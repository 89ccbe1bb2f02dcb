// Public API of @restbatch/http: the fetch entry's exports and the node:http handler.
export * from './fetch.js';
export { createHttpHandler, type HttpHandler, type HttpHandlerOptions } from './http-handler.js';
export { jsonTextOrStream } from './write-json-in-turns.js';
