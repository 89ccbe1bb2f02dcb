// The README's custom-resource example, verbatim between the markers, so that it is compiled and run.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

// README example start
import 'reflect-metadata';
import { createEngine, exagoApi, Get, type HandlerContext, Post, Resource } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';

@Resource('Notes', { session: 'required' })
class NotesResource {
  @Post('', { schema: { type: 'object', required: ['Text'], properties: { Text: { type: 'string' } } } })
  async add(ctx: HandlerContext<{ Text: string }>) {
    await ctx.session!.set('notes', String(ctx.index), ctx.body.Text);
    return { Id: String(ctx.index), Text: ctx.body.Text };
  }

  @Get()
  async list(ctx: HandlerContext) {
    return (await ctx.session!.list('notes')).map(([Id, Text]) => ({ Id, Text }));
  }
}

const exago = exagoApi();
const engine = createEngine({ apis: [{ ...exago, resources: [...exago.resources, NotesResource] }] });
const call = createDirectCaller(engine);
const res = await call({
  url: '/rest/batch',
  body: [
    { Url: 'Sessions', Method: 'POST' },
    { Url: 'Notes', Method: 'POST', Payload: { Text: 'hello' } },
    { Url: 'Notes', Method: 'GET' },
  ],
});
// README example end

test('the README custom resource example runs and answers as documented', () => {
  assert.is(res.status, 200);
  const out = res.body as Array<{ ReturnCode: string; ResponseContent: unknown }>;
  assert.equal(
    out.map((i) => i.ReturnCode),
    ['201', '201', '200'],
  );
  assert.equal(out[1]!.ResponseContent, { Id: '1', Text: 'hello' });
  assert.equal(out[2]!.ResponseContent, [{ Id: '1', Text: 'hello' }]);
});

test('the README shows exactly the code of this file', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const shown = /## A custom resource[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  const source = readFileSync(new URL('../src/readme-example.test.ts', import.meta.url), 'utf8');
  const here = /\/\/ README example start\n([\s\S]*?)\/\/ README example end\n/.exec(source)?.[1];
  assert.type(shown, 'string');
  assert.is(shown, here);
});

test.run();
