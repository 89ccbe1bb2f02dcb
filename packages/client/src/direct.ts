// Public API of @restbatch/client/direct: kept apart so the main entry imports no engine code.
export { directTransport } from './direct-transport.js';
