// A request id may hold any unreserved character, and an ETag reference `$<id>` names it whatever
// those are: OData 4.01 Protocol §11.7.3 "The request identifier ... MUST satisfy the rule
// request-id" (ABNF `request-id = 1*unreserved`: ALPHA / DIGIT / "-" / "." / "_" / "~"), §11.7.5
// "The ETag for a previous operation can be referenced" (`if-match: $<id>`). An id with `~` was
// once not read as a reference: the literal `$a~b` went to the handler, which answered 412.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { etagThingsEngine, odataBatch } from './support/etag-things.js';

type Item = { id: string; status: number; body?: unknown };

for (const id of ['a~b', '~', 'a.b', 'A-b_c.d~e', '0']) {
  test(`Protocol §11.7.3 request-id = 1*unreserved, §11.7.5: if-match "$${id}" is the ETag of request ${JSON.stringify(id)}`, async () => {
    const engine = etagThingsEngine();
    try {
      const res = await odataBatch(engine, [
        { id, method: 'get', url: 'Things/a' },
        { id: 'p', dependsOn: [id], method: 'patch', url: 'Things/a', headers: { 'if-match': `$${id}` }, body: {} },
      ]);
      assert.is(res.status, 200);
      const items = (res.body as { responses: Item[] }).responses;
      assert.equal(
        items.map((r) => [r.id, r.status]),
        [
          [id, 200],
          ['p', 200],
        ],
        JSON.stringify(items[1]?.body),
      );
      assert.equal(items[1]?.body, { patched: true });
    } finally {
      await engine.close();
    }
  });
}

test("Protocol §11.7.3: a URL whose first segment is $<id> with ~ in the id addresses that request's entity", async () => {
  const engine = etagThingsEngine();
  try {
    const res = await odataBatch(engine, [
      { id: 'new~1', method: 'post', url: 'Things', body: {} },
      { id: 'n', dependsOn: ['new~1'], method: 'get', url: '$new~1/notes' },
    ]);
    const items = (res.body as { responses: Item[] }).responses;
    assert.equal(items[1]?.body, { of: 'n1' });
  } finally {
    await engine.close();
  }
});

test.run();
