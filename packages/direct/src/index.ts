// Public API of @restbatch/direct.
export { createDirectCaller, type DirectCaller, type DirectRequest, type DirectResponse } from './direct-caller.js';
