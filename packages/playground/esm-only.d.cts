// The types a CommonJS file sees for @restbatch/playground: none but this notice, because the package is
// ESM-only (see README.md, "ESM only"). Use `import` from an ES module, or `await import()`.
/** @restbatch/playground is ESM-only: import it from an ES module (see its README, "ESM only"). */
export declare const ESM_ONLY: '@restbatch/playground is ESM-only: use import from an ES module, see README.md';
