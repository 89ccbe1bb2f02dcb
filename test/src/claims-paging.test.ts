import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { addNotes, type CallResponse, eachTransport, type GwError, type ListPage } from './support/claim-engine.js';

const NOTES = '/rest/claim/v1/claims/cc:22/notes';

const page = (res: CallResponse) => res.body as ListPage;

eachTransport(test, 'a list without pageSize answers the default page of 25 with a next link', async ({ call }) => {
  await addNotes(call, 30);
  const res = await call({ method: 'GET', url: NOTES });
  assert.is(res.status, 200);
  assert.is(page(res).count, 25);
  assert.is(page(res).data.length, 25);
  assert.is(page(res).total, undefined);
  assert.is(page(res).links.next!.href, `${NOTES}?pageSize=25&pageOffset=25`);
  assert.equal(page(res).links.next!.methods, ['get']);
});

eachTransport(test, 'following links.next walks the whole list once, in order, and the last page has no next', async ({ call }) => {
  await addNotes(call, 7);
  const seen: string[] = [];
  let url: string | undefined = `${NOTES}?pageSize=3`;
  const counts: number[] = [];
  while (url !== undefined) {
    const res = await call({ method: 'GET', url });
    assert.is(res.status, 200);
    counts.push(page(res).count);
    seen.push(...page(res).data.map((d) => String(d.attributes.body)));
    url = page(res).links.next?.href;
  }
  assert.equal(counts, [3, 3, 1]);
  assert.equal(
    seen,
    Array.from({ length: 7 }, (_, i) => `note ${i}`),
  );
});

eachTransport(test, 'pageSize=2 answers two items, and pageOffset picks the page that next names', async ({ call }) => {
  await addNotes(call, 5);
  const first = await call({ method: 'GET', url: `${NOTES}?pageSize=2` });
  assert.equal(
    page(first).data.map((d) => d.attributes.body),
    ['note 0', 'note 1'],
  );
  assert.equal(page(first).links.self, { href: `${NOTES}?pageSize=2`, methods: ['get', 'post'] });
  assert.is(page(first).links.next!.href, `${NOTES}?pageSize=2&pageOffset=2`);
  assert.is(page(first).links.prev, undefined);
  const second = await call({ method: 'GET', url: page(first).links.next!.href });
  assert.equal(
    page(second).data.map((d) => d.attributes.body),
    ['note 2', 'note 3'],
  );
  assert.is(page(second).links.prev!.href, `${NOTES}?pageSize=2`);
});

eachTransport(test, 'includeTotal=true adds the size of the whole list and keeps it in the paging links', async ({ call }) => {
  await addNotes(call, 4);
  const res = await call({ method: 'GET', url: `${NOTES}?includeTotal=true&pageSize=1` });
  assert.is(page(res).count, 1);
  assert.is(page(res).total, 4);
  assert.is(page(res).links.next!.href, `${NOTES}?includeTotal=true&pageSize=1&pageOffset=1`);
  const without = await call({ method: 'GET', url: `${NOTES}?includeTotal=false` });
  assert.not.ok('total' in (without.body as object));
});

eachTransport(test, 'a pageOffset past the end answers an empty page with no next link', async ({ call }) => {
  await addNotes(call, 2);
  const res = await call({ method: 'GET', url: `${NOTES}?pageOffset=10&includeTotal=true` });
  assert.is(res.status, 200);
  assert.equal([page(res).count, page(res).data, page(res).total], [0, [], 2]);
  assert.is(page(res).links.next, undefined);
});

eachTransport(test, 'fields restricts the attributes of each item and stays in the next link', async ({ call }) => {
  await addNotes(call, 3);
  const res = await call({ method: 'GET', url: `${NOTES}?fields=id,subject&pageSize=1` });
  const [item] = page(res).data;
  assert.equal(Object.keys(item!.attributes), ['id', 'subject']);
  assert.is(item!.attributes.subject, 's0');
  assert.is(item!.checksum, '0');
  assert.is(item!.links.self.href, `${NOTES}/${item!.id}`);
  assert.is(page(res).links.next!.href, `${NOTES}?fields=id,subject&pageSize=1&pageOffset=1`);
});

eachTransport(test, 'fields groups: *summary leaves out the free text, *all shows everything, names add to a group', async ({ call }) => {
  await addNotes(call, 1);
  const keys = async (fields: string) =>
    Object.keys(page(await call({ method: 'GET', url: `${NOTES}?fields=${encodeURIComponent(fields)}` })).data[0]!.attributes).sort();
  assert.equal(await keys('*summary'), ['id', 'subject']);
  assert.equal(await keys('*all'), ['body', 'id', 'subject']);
  assert.equal(await keys('*default'), ['body', 'id', 'subject']);
  assert.equal(await keys('*summary,body'), ['body', 'id', 'subject']);
  const claims = await call({ method: 'GET', url: '/rest/claim/v1/claims?fields=*summary' });
  assert.equal(Object.keys(page(claims).data[0]!.attributes), ['id', 'claimNumber', 'lossDate']);
});

eachTransport(test, 'fields works on a single claim, activity and note too', async ({ call }) => {
  const claim = await call({ method: 'GET', url: '/rest/claim/v1/claims/cc:22?fields=lossDate' });
  assert.equal((claim.body as { data: { attributes: unknown } }).data.attributes, { lossDate: '2024-03-01' });
  const activity = await call({ method: 'GET', url: '/rest/claim/v1/claims/cc:22/activities/cc:55?fields=status' });
  assert.equal((activity.body as { data: { attributes: unknown } }).data.attributes, { status: 'open' });
  await addNotes(call, 1);
  const id = page(await call({ method: 'GET', url: NOTES })).data[0]!.id;
  const note = await call({ method: 'GET', url: `${NOTES}/${id}?fields=body` });
  assert.equal((note.body as { data: { attributes: unknown } }).data, {
    id,
    type: 'Note',
    attributes: { body: 'note 0' },
    checksum: '0',
    links: { self: { href: `${NOTES}/${id}`, methods: ['get'] } },
  });
});

eachTransport(test, 'pageSize may be the maximum (100) and no more', async ({ call }) => {
  await addNotes(call, 101);
  const max = await call({ method: 'GET', url: `${NOTES}?pageSize=100&includeTotal=true` });
  assert.equal([max.status, page(max).count, page(max).total], [200, 100, 101]);
  const over = await call({ method: 'GET', url: `${NOTES}?pageSize=101` });
  assert.is(over.status, 400);
  assert.match((over.body as GwError).userMessage, /pageSize must be an integer from 1 to 100, not "101"/);
});

eachTransport(
  test,
  'the default and maximum page sizes are configurable',
  async ({ call }) => {
    await addNotes(call, 5);
    assert.is(page(await call({ method: 'GET', url: NOTES })).count, 2);
    assert.is(page(await call({ method: 'GET', url: `${NOTES}?pageSize=3` })).count, 3);
    assert.is((await call({ method: 'GET', url: `${NOTES}?pageSize=4` })).status, 400);
  },
  { limits: { defaultPageSize: 2, maxPageSize: 3 } },
);

const BAD: Array<[string, string, RegExp]> = [
  ['pageSize=0', 'pageSize', /pageSize must be an integer from 1 to 100, not "0"/],
  ['pageSize=-1', 'pageSize', /not "-1"/],
  ['pageSize=abc', 'pageSize', /not "abc"/],
  ['pageSize=2.5', 'pageSize', /not "2.5"/],
  ['pageSize=', 'pageSize', /not ""/],
  ['pageSize=1e2', 'pageSize', /not "1e2"/],
  ['pageSize=99999999999', 'pageSize', /not "99999999999"/],
  ['pageSize=1&pageSize=2', 'pageSize', /pageSize may be given once/],
  ['pageOffset=-1', 'pageOffset', /pageOffset must be an integer from 0 to/],
  ['pageOffset=x', 'pageOffset', /not "x"/],
  ['includeTotal=yes', 'includeTotal', /includeTotal must be true or false, not "yes"/],
  ['fields=nope', 'fields', /"nope", which is not a field of Note; use id, subject, body, \*summary or \*all/],
  ['fields=', 'fields', /"", which is not a field of Note/],
  ['fields=id,,subject', 'fields', /"", which is not a field of Note/],
  ['fields=id&fields=body', 'fields', /fields may be given once/],
];

for (const [query, parameter, message] of BAD) {
  eachTransport(test, `GET notes?${query} answers 400 VALIDATION_FAILED in the Guidewire error shape`, async ({ call }) => {
    const res = await call({ method: 'GET', url: `${NOTES}?${query}` });
    assert.is(res.status, 400);
    const body = res.body as GwError;
    assert.equal(Object.keys(body).sort(), ['details', 'developerMessage', 'errorCode', 'status', 'userMessage']);
    assert.equal([body.status, body.errorCode], [400, 'VALIDATION_FAILED']);
    assert.match(body.userMessage, /^Invalid query parameter: /);
    assert.match(body.userMessage, message);
    assert.equal(body.details, [{ parameter }]);
  });
}

test.run();
