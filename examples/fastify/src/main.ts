// Serves the Todos API through Fastify: `POST /api/$batch`, `GET /api/todos`, ... on PORT (default 8080).
import { createFastifyApp } from './app.js';
import { createTodosEngine } from './todos.js';

const app = await createFastifyApp(createTodosEngine());
const address = await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 8080) });
console.log(`Todos on Fastify at ${address}`);
