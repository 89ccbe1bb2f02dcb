// The README's custom-resource example, verbatim between the markers, so that it is compiled and run.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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

/** The published packages: every folder of packages/ with a package.json. */
function packageNames(): string[] {
  const root = new URL('../../packages/', import.meta.url);
  return readdirSync(root)
    .filter((name) => existsSync(new URL(`${name}/package.json`, root)))
    .map((name) => (JSON.parse(readFileSync(new URL(`${name}/package.json`, root), 'utf8')) as { name: string }).name);
}

test("the README's Install names every package, in its commands and its table", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const install = /## Install\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
  const commands = /```sh\n([\s\S]*?)```/.exec(install)?.[1] ?? '';
  const table = install.split('\n').filter((line) => line.startsWith('| `@restbatch/'));
  for (const name of packageNames()) {
    assert.ok(commands.split(/\s+/).includes(name), `${name} in the install commands`);
    assert.ok(
      table.some((row) => row.startsWith(`| \`${name}\``)),
      `${name} in the table`,
    );
  }
});

test("the README's tables have as many cells in every row as in their header", () => {
  const lines = readFileSync(new URL('../../README.md', import.meta.url), 'utf8').split('\n');
  const cells = (line: string) => line.replace(/\\\|/g, '').split('|').length;
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i]!.startsWith('|') || lines[i - 1]!.startsWith('|')) continue;
    for (let j = i + 1; j < lines.length && lines[j]!.startsWith('|'); j++) {
      assert.is(cells(lines[j]!), cells(lines[i]!), `README.md line ${j + 1}`);
    }
  }
});

test.run();
