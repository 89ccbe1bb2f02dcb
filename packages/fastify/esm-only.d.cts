// The types a CommonJS file sees for @restbatch/fastify. The package is ESM-only (see README.md, "ESM
// only"): require() throws, so no value is exported here (using one is a compile error, TS1362), but
// every type is, for `import type` from CommonJS (tsc node16/nodenext). The resolution-mode attribute
// reads the ES module's declarations from this CommonJS one (TS1479 otherwise, under node16).
export type * from './dist/index.js' with { 'resolution-mode': 'import' };
/** @restbatch/fastify is ESM-only: import it from an ES module (see its README, "ESM only"). */
export declare const ESM_ONLY: '@restbatch/fastify is ESM-only: use import from an ES module, see README.md';
