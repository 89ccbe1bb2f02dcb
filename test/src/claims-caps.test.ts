import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { claimApi, ClaimStore, DEFAULT_CLAIM_LIMITS } from '@restbatch/example-server';
import {
  addNotes,
  type CallRequest,
  type CallResponse,
  claimHarness,
  eachTransport,
  type GwError,
  type ListPage,
  responses,
} from './support/claim-engine.js';

const API = '/rest/claim/v1';
const GW = `${API}/batch`;

const postNote = (body: string, claimId = 'cc:22'): CallRequest => ({
  method: 'POST',
  url: `${API}/claims/${claimId}/notes`,
  body: { data: { attributes: { body } } },
});

async function total(call: (r: CallRequest) => Promise<CallResponse>, url: string): Promise<number> {
  return ((await call({ method: 'GET', url: `${url}?pageSize=1&includeTotal=true` })).body as ListPage).total!;
}

function gwError(res: { body?: unknown }): GwError {
  return res.body as GwError;
}

test('the documented defaults hold', () => {
  assert.equal(
    { ...DEFAULT_CLAIM_LIMITS },
    {
      maxClaims: 1000,
      maxActivitiesPerClaim: 1000,
      maxNotesPerClaim: 1000,
      maxNoteBytes: 10_000,
      maxStoreBytes: 16 * 1024 * 1024,
      defaultPageSize: 25,
      maxPageSize: 100,
    },
  );
  assert.equal({ ...new ClaimStore().limits }, { ...DEFAULT_CLAIM_LIMITS });
});

eachTransport(
  test,
  'a note past maxNotesPerClaim answers 409 CONFLICT naming the limit, in a batch and alone, and is not stored',
  async ({ call }) => {
    const notes = Array.from({ length: 4 }, (_, i) => ({
      method: 'post',
      path: '/claims/cc:22/notes',
      data: { attributes: { body: `n${i}` } },
    }));
    const res = await call({ url: GW, body: { requests: notes } });
    assert.equal(
      responses(res).map((r) => r.status),
      [201, 201, 201, 409],
    );
    const refused = responses(res)[3]!.body as GwError;
    assert.is(refused.errorCode, 'CONFLICT');
    assert.match(
      refused.userMessage,
      /^Claim cc:22 holds 3 notes, the most one claim keeps \(maxNotesPerClaim = 3\); nothing was written$/,
    );
    assert.equal(refused.details, [{ limit: 'maxNotesPerClaim', max: 3 }]);
    const alone = await call(postNote('one more'));
    assert.equal([alone.status, gwError(alone).errorCode, gwError(alone).status], [409, 'CONFLICT', 409]);
    assert.is(await total(call, `${API}/claims/cc:22/notes`), 3);
  },
  { limits: { maxNotesPerClaim: 3 } },
);

eachTransport(
  test,
  'an activity past maxActivitiesPerClaim answers 409 CONFLICT; another claim still takes activities',
  async ({ call }) => {
    const activity = (claimId: string): CallRequest => ({
      method: 'POST',
      url: `${API}/claims/${claimId}/activities`,
      body: { data: { attributes: { subject: 'Call back' } } },
    });
    // The seed claim starts with activity cc:55.
    assert.is((await call(activity('cc:22'))).status, 201);
    const refused = await call(activity('cc:22'));
    assert.is(refused.status, 409);
    assert.equal(gwError(refused).details, [{ limit: 'maxActivitiesPerClaim', max: 2 }]);
    assert.is(await total(call, `${API}/claims/cc:22/activities`), 2);
    const other = await call({ method: 'POST', url: `${API}/claims`, body: { data: { attributes: { description: 'other' } } } });
    const otherId = (other.body as { data: { id: string } }).data.id;
    assert.is((await call(activity(otherId))).status, 201);
  },
  { limits: { maxActivitiesPerClaim: 2 } },
);

eachTransport(
  test,
  'a claim past maxClaims answers 409 CONFLICT in the Guidewire error shape',
  async ({ call }) => {
    const create = { method: 'POST', url: `${API}/claims`, body: { data: { attributes: { description: 'new' } } } };
    assert.is((await call(create)).status, 201);
    const refused = await call(create);
    assert.is(refused.status, 409);
    assert.equal(Object.keys(refused.body as object).sort(), ['details', 'developerMessage', 'errorCode', 'status', 'userMessage']);
    assert.match(gwError(refused).userMessage, /The claim store holds 2 claims, the most it keeps \(maxClaims = 2\)/);
    assert.is(await total(call, `${API}/claims`), 2);
  },
  { limits: { maxClaims: 2 } },
);

eachTransport(
  test,
  'a note body over maxNoteBytes (counted in UTF-8 bytes) answers 413 PAYLOAD_TOO_LARGE',
  async ({ call }) => {
    assert.is((await call(postNote('a'.repeat(10)))).status, 201);
    // Six characters, twelve bytes.
    const refused = await call(postNote('é'.repeat(6)));
    assert.is(refused.status, 413);
    assert.is(gwError(refused).errorCode, 'PAYLOAD_TOO_LARGE');
    assert.match(gwError(refused).userMessage, /A note body may hold at most 10 bytes \(UTF-8\); this one holds 12/);
    assert.equal(gwError(refused).details, [{ limit: 'maxNoteBytes', max: 10, bytes: 12 }]);
    assert.is(await total(call, `${API}/claims/cc:22/notes`), 1);
  },
  { limits: { maxNoteBytes: 10 } },
);

// The seed takes 147 bytes (claim 98, activity 49); a note of 100 characters takes 111.
eachTransport(
  test,
  'writes past maxStoreBytes answer 409 CONFLICT, a PATCH that would grow past it changes nothing',
  async ({ call }) => {
    const body = 'x'.repeat(100);
    assert.is((await call(postNote(body))).status, 201);
    assert.is((await call(postNote(body))).status, 201);
    const refused = await call(postNote(body));
    assert.is(refused.status, 409);
    assert.equal(gwError(refused).details, [{ limit: 'maxStoreBytes', max: 400 }]);
    assert.match(gwError(refused).userMessage, /^The claim store is full \(369 bytes kept, this write needs 111 more\)/);
    const grow = await call({
      method: 'PATCH',
      url: `${API}/claims/cc:22`,
      body: { data: { attributes: { description: 'y'.repeat(100) } } },
    });
    assert.is(grow.status, 409);
    const claim = await call({ method: 'GET', url: `${API}/claims/cc:22` });
    const data = (claim.body as { data: { checksum: string; attributes: { description: string } } }).data;
    assert.equal([data.checksum, data.attributes.description], ['0', 'Rear-ended at a stop light']);
    // A PATCH that shrinks the claim still works.
    const shrink = await call({ method: 'PATCH', url: `${API}/claims/cc:22`, body: { data: { attributes: { description: 'short' } } } });
    assert.is(shrink.status, 200);
  },
  { limits: { maxStoreBytes: 400 } },
);

eachTransport(
  test,
  'a rolled-back atomicity group gives back what it took from the caps',
  async ({ call }) => {
    const note = (id: string) => ({
      id,
      method: 'POST',
      url: '/claims/cc:22/notes',
      atomicityGroup: 'g',
      headers: { 'content-type': 'application/json' },
      body: { data: { attributes: { body: 'x'.repeat(100) } } },
    });
    const stale = {
      id: 'stale',
      method: 'PATCH',
      url: '/claims/cc:22',
      atomicityGroup: 'g',
      headers: { 'content-type': 'application/json', 'GW-Checksum': '99' },
      body: { data: { attributes: { lossCause: 'x' } } },
    };
    const res = await call({ url: `${API}/$batch`, body: { requests: [note('1'), note('2'), stale] } });
    assert.equal(
      (res.body as { responses: Array<{ status: number }> }).responses.map((r) => r.status),
      [424, 424, 409],
    );
    assert.is(await total(call, `${API}/claims/cc:22/notes`), 0);
    // Both caps are free again: two notes (the count cap) of 111 bytes (the byte cap) fit.
    await addNotes(call, 2);
    assert.is((await call(postNote('x'.repeat(100)))).status, 409);
  },
  { limits: { maxNotesPerClaim: 2, maxStoreBytes: 400 } },
);

test('caps belong to one engine: a full store in one engine leaves another untouched', async () => {
  const a = await claimHarness('direct', { limits: { maxClaims: 1 } });
  const b = await claimHarness('direct', { limits: { maxClaims: 2 } });
  try {
    const create = { method: 'POST', url: `${API}/claims`, body: { data: { attributes: { description: 'new' } } } };
    assert.is((await a.call(create)).status, 409);
    assert.is((await b.call(create)).status, 201);
    assert.is((await a.call(create)).status, 409);
  } finally {
    await a.close();
    await b.close();
  }
});

test('a limit that is not a positive integer fails when the API is declared', () => {
  for (const bad of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => claimApi({ limits: { maxNotesPerClaim: bad } }), /claim limit maxNotesPerClaim must be a positive integer/);
  }
  assert.throws(() => claimApi({ limits: { defaultPageSize: 50, maxPageSize: 10 } }), /defaultPageSize \(50\) exceeds maxPageSize \(10\)/);
});

test.run();
