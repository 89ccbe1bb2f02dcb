// Public API of @restbatch/ws.
export {};
