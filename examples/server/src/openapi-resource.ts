import { type Engine, ENGINE_TOKEN, Get, Resource } from '@restbatch/core';
import { createOpenApiDocument, type OpenApiDocument } from '@restbatch/openapi';
import { inject } from 'tsyringe';

/**
 * `GET /rest/openapi.json`: the OpenAPI 3.1 document of every API of the engine, both example
 * APIs and their batch endpoints in one document. Built on the first call (the engine is complete
 * by then) and kept by this engine's instance.
 */
@Resource('openapi.json', { session: 'none', batchable: false })
export class OpenApiResource {
  #document: OpenApiDocument | undefined;

  constructor(@inject(ENGINE_TOKEN) private readonly engine: Engine) {}

  @Get('', { summary: 'The OpenAPI 3.1 document of this server', tags: ['meta'], response: { type: 'object' } })
  read(): OpenApiDocument {
    this.#document ??= createOpenApiDocument(this.engine, {
      info: {
        title: 'restbatch example server',
        version: '0.1.0',
        description: 'The Exago API under /rest and the claim API under /rest/claim/v1.',
      },
    });
    return this.#document;
  }
}
