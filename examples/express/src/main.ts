// Serves the Todos API through Express: `POST /api/$batch`, `GET /api/todos`, ... on PORT (default 8080).
import { createExpressApp } from './app.js';
import { createTodosEngine } from './todos.js';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 8080);
createExpressApp(createTodosEngine()).listen(port, host, () => console.log(`Todos on Express at http://${host}:${port}`));
