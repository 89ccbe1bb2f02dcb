// What `require('@restbatch/playground')` loads: the package is ESM-only (see README.md, "ESM only").
throw new Error(
  '@restbatch/playground is ESM-only and cannot be loaded with require(). Use `import` from an ES module ' +
    '("type": "module" in package.json, or a .mts file), or `await import("@restbatch/playground")` from CommonJS. ' +
    'See https://github.com/restbatch/restbatch/tree/main/packages/playground#esm-only',
);
