// Public API of @restbatch/playground: the page's handler, and its files for other servers.
export { createPlaygroundHandler, type PlaygroundHandler, type PlaygroundOptions } from './create-playground-handler.js';
export { loadPlaygroundAssets, type PlaygroundAsset, type PlaygroundAssets } from './playground-assets.js';
