import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoParityCases } from './support/parity-exago-cases.js';
import { guidewireParityCases } from './support/parity-guidewire-cases.js';
import { odataParityCases } from './support/parity-odata-cases.js';
import { batchItems, normalize, type ParityCase, parityTransports } from './support/parity-transports.js';

// One table per dialect or API; add rows (or tables) here and every transport runs them.
const CASES: ParityCase[] = [...exagoParityCases, ...guidewireParityCases, ...odataParityCases];
const transports = parityTransports();

test('the parity suite runs through direct, HTTP and WebSocket', () => {
  assert.equal(
    transports.map((t) => t.name),
    ['direct', 'http', 'ws'],
  );
});

for (const c of CASES) {
  test(`${c.name} (${c.method ?? 'POST'} ${c.url}) gets the same answer through every transport`, async () => {
    const answers = [];
    let batch = false;
    for (const transport of transports) {
      const engine = c.engine();
      batch = engine.isBatchEndpoint(c.url);
      const answer = await transport.send(engine, c);
      answers.push({
        transport: transport.name,
        status: answer.status,
        body: normalize(answer.body, c.mayDiffer),
        streamed: answer.streamed,
      });
    }
    const [reference] = answers;
    for (const a of answers) {
      assert.is(a.status, c.status, `${a.transport} answered ${a.status}: ${JSON.stringify(a.body)}`);
      assert.equal(a.body, reference!.body, `${a.transport} differs from direct`);
      // A streaming transport streams exactly the items of its answer, in every dialect's item shape.
      if (a.streamed !== undefined && batch && a.status === 200) {
        assert.equal(normalize(a.streamed, c.mayDiffer), batchItems(a.body), `${a.transport} streamed other items than it answered`);
      }
    }
    c.check?.(reference!.body);
  });
}

test.run();
