// What `require('@restbatch/direct')` loads: the package is ESM-only (see README.md, "ESM only").
throw new Error(
  '@restbatch/direct is ESM-only and cannot be loaded with require(). Use `import` from an ES module ' +
    '("type": "module" in package.json, or a .mts file), or `await import("@restbatch/direct")` from CommonJS. ' +
    'See https://github.com/restbatch/restbatch/tree/main/packages/direct#esm-only',
);
