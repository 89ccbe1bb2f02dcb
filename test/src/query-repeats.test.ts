// A query parameter repeated many times is one array, in order, parsed in linear time (the abuse
// bench's "repeated query parameter" attack measures the time; this checks the value).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eachTransport } from './support/claim-engine.js';

eachTransport(test, 'a query parameter repeated 1500 times reaches the handler as one array of 1500 values, in order', async ({ call }) => {
  const query = Array.from({ length: 1500 }, (_, i) => `x=${i}`).join('&');
  const alone = await call({ method: 'GET', url: `/rest/echo/v1/echo/a?${query}&y=1` });
  assert.is(alone.status, 200);
  const seen = (alone.body as { query: { x: string[]; y: string } }).query;
  assert.is(seen.x.length, 1500);
  assert.equal(seen.x.slice(0, 3), ['0', '1', '2']);
  assert.is(seen.x[1499], '1499');
  assert.is(seen.y, '1');
});

eachTransport(test, 'an OData if padded with a long run of spaces is read word by word: the condition holds', async ({ call }) => {
  const res = await call({
    url: '/rest/echo/v1/$batch',
    body: {
      requests: [
        { id: '1', method: 'GET', url: 'echo/a' },
        { id: '2', method: 'GET', url: 'echo/b', if: `$1/$succeeded${' '.repeat(20_000)}and   not  $1/$succeeded` },
        { id: '3', method: 'GET', url: 'echo/c', if: `  $1/$succeeded${' '.repeat(20_000)}` },
      ],
    },
  });
  assert.is(res.status, 200);
  const statuses = (res.body as { responses: Array<{ status: number }> }).responses.map((r) => r.status);
  // 2: "$1 succeeded and not $1 succeeded" is false (412); 3: holds (200).
  assert.equal(statuses, [200, 412, 200]);
});

test.run();
