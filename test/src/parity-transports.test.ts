import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoParityCases } from './support/parity-exago-cases.js';
import { guidewireParityCases } from './support/parity-guidewire-cases.js';
import { headerParityCases } from './support/parity-header-cases.js';
import { odataParityCases } from './support/parity-odata-cases.js';
import { referencesParityCases } from './support/parity-references-cases.js';
import { batchItems, normalize, normalizeHeaders, type ParityCase, parityTransports, wsSummary } from './support/parity-transports.js';

// One table per dialect or API; add rows (or tables) here and every transport runs them.
const CASES: ParityCase[] = [
  ...exagoParityCases,
  ...guidewireParityCases,
  ...odataParityCases,
  ...headerParityCases,
  ...referencesParityCases,
];
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
      const sends = c.sends ?? 1;
      const earlier = c.earlierHeaders === undefined ? c : { ...c, headers: c.earlierHeaders };
      let answer = await transport.send(engine, sends > 1 ? earlier : c);
      for (let n = 1; n < sends; n++) answer = await transport.send(engine, n === sends - 1 ? c : earlier);
      // HTTP frames a body as JSON text; the other transports carry the value (so its default content type is not compared).
      if (transport.name === 'http' && answer.body !== undefined)
        assert.match(answer.headers['content-type'] ?? '', /^application\/json\b/, 'HTTP labels its JSON body');
      answers.push({
        transport: transport.name,
        status: answer.status,
        headers: normalizeHeaders(answer.headers, c.mayDiffer),
        body: normalize(answer.body, c.mayDiffer),
        streamed: answer.streamed,
      });
    }
    const [reference] = answers;
    for (const a of answers) {
      assert.is(a.status, c.status, `${a.transport} answered ${a.status}: ${JSON.stringify(a.body)}`);
      assert.equal(a.body, reference!.body, `${a.transport} differs from direct`);
      // Restbatch-Summary, Retry-After, Allow, Idempotent-Replayed, Location...: every header but the framing.
      assert.equal(a.headers, reference!.headers, `${a.transport}'s headers differ from direct's`);
      // WebSocket streams exactly the items of its answer, in every dialect's item shape, as they
      // run; a replayed answer ran nothing, so it streams nothing and its response holds it all.
      if (a.transport === 'ws' && batch && a.status === 200) {
        assert.ok(a.streamed !== undefined, 'ws answered with a response message');
        const expected = a.headers['idempotent-replayed'] === 'true' ? [] : batchItems(a.body);
        assert.equal(normalize(a.streamed, c.mayDiffer), expected, `${a.transport} streamed other items than it answered`);
      }
    }
    c.check?.(reference!.body, reference!.headers);
    // Asked for "response": "summary", WebSocket answers the same status and headers; a batch that
    // ran and streamed its items (exactly those of the reference's body; an empty one has none)
    // leaves the body out, anything that streamed nothing (a refused batch, a replay, an ordinary
    // call) answers its body as before.
    const engine = c.engine();
    const sends = c.sends ?? 1;
    const earlier = c.earlierHeaders === undefined ? c : { ...c, headers: c.earlierHeaders };
    let summary = await wsSummary.send(engine, sends > 1 ? earlier : c);
    for (let n = 1; n < sends; n++) summary = await wsSummary.send(engine, n === sends - 1 ? c : earlier);
    const where = `${wsSummary.name} answered ${summary.status}: ${JSON.stringify(summary.body)}`;
    assert.is(summary.status, c.status, where);
    assert.equal(normalizeHeaders(summary.headers, c.mayDiffer), reference!.headers, `${wsSummary.name}'s headers differ from direct's`);
    const streamed = normalize(summary.streamed ?? [], c.mayDiffer) as unknown[];
    if (batch && summary.status < 400 && (streamed.length > 0 || !summary.hasBody)) {
      assert.is(summary.hasBody, false, `${where}: a batch that streamed its items answers without body`);
      assert.equal(streamed, batchItems(reference!.body), `${wsSummary.name} streamed other items than direct answered`);
    } else assert.equal(normalize(summary.body, c.mayDiffer), reference!.body, `${wsSummary.name} differs from direct`);
  });
}

test.run();
