// Public API of @restbatch/fastify.
export { type RestBatchPluginOptions, restbatch } from './restbatch-plugin.js';
