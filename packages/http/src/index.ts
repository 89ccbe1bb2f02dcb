// Public API of @restbatch/http.
export {};
