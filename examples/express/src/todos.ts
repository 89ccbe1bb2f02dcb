// The example app's domain: a `Todos` resource with an injected `TodoService`, batched in the
// OData JSON dialect at `/api/$batch`. The same file is in each mount example.
import 'reflect-metadata';
import { createEngine, type Engine, Get, type HandlerContext, odataDialect, Post, Resource, RestBatchError, reply } from '@restbatch/core';
import { inject } from 'tsyringe';

/** One to-do item. */
export interface Todo {
  id: string;
  title: string;
  done: boolean;
}

/** Keeps the to-do items; one per engine (registered in the engine's own container). */
export class TodoService {
  readonly #todos = new Map<string, Todo>();

  list(): Todo[] {
    return [...this.#todos.values()];
  }

  get(id: string): Todo | undefined {
    return this.#todos.get(id);
  }

  add(title: string): Todo {
    const todo = { id: String(this.#todos.size + 1), title, done: false };
    this.#todos.set(todo.id, todo);
    return todo;
  }
}

const NEW_TODO = {
  type: 'object',
  additionalProperties: false,
  required: ['title'],
  properties: { title: { type: 'string', minLength: 1 } },
} as const;

/** `/api/todos`: list, read and add to-do items. */
@Resource('todos')
export class TodosResource {
  // `@inject` names the token, so the resource also resolves in code built without decorator metadata.
  constructor(@inject(TodoService) private readonly todos: TodoService) {}

  @Get('')
  list() {
    return this.todos.list();
  }

  @Get(':id')
  read(ctx: HandlerContext) {
    const todo = this.todos.get(ctx.params.id!);
    if (todo === undefined) throw new RestBatchError('NOT_FOUND', `No to-do ${ctx.params.id}`);
    return todo;
  }

  @Post('', { schema: NEW_TODO })
  add(ctx: HandlerContext<{ title: string }>) {
    return reply(201, this.todos.add(ctx.body.title));
  }
}

/** An engine serving the Todos API at `/api`, with its own `TodoService`. */
export function createTodosEngine(): Engine {
  return createEngine({
    apis: [
      {
        base: '/api',
        resources: [TodosResource],
        batch: [{ path: '$batch', dialect: odataDialect() }],
        register: (container) => container.registerInstance(TodoService, new TodoService()),
      },
    ],
  });
}
