// What the mount tests import from this example.
export { createFastifyApp } from './app.js';
export { createTodosEngine, type Todo, TodoService, TodosResource } from './todos.js';
