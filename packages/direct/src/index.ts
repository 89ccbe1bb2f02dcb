// Public API of @restbatch/direct.
export { createDirectCaller, type DirectCaller, type DirectRequest, type DirectResponse, type DirectResult } from './direct-caller.js';
