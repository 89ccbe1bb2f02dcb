import { createClient, httpTransport } from '@restbatch/client';
import type { paths } from './example-api.js';

/** What the flow saw: each step's statuses and how many HTTP requests it took. */
export interface FlowReport {
  seed: number[];
  parameters: number;
  claims: number[];
  claimRequests: number;
  odata: number[];
}

/**
 * The example flow against the example server at `baseUrl`: Exago's seed (session, role, parameter)
 * as one batch, an ordinary call in that session, three claim reads in one tick (one HTTP request),
 * and an OData batch whose second call reads the claim the first one created.
 */
export async function runClientFlow(baseUrl: string, log: (line: string) => void = () => undefined): Promise<FlowReport> {
  let requests = 0;
  const counting: typeof fetch = (input, init) => {
    requests++;
    return fetch(input, init);
  };
  const client = createClient<paths>({
    transport: httpTransport({ baseUrl, fetch: counting }),
    endpoints: { '/rest/batch': 'exago', '/rest/claim/v1/$batch': 'odata' },
  });

  // Made in one tick: one Exago batch that opens with `POST Sessions`.
  const seed = await Promise.all([
    client.POST('/rest/Sessions'),
    client.PATCH('/rest/Roles/{id}', { params: { path: { id: 'MyRole' } }, body: { IsActive: true } }),
    client.POST('/rest/Parameters', { body: { Id: 'Region', DataType: 'String', Value: 'EU', IsHidden: false } }),
  ]);
  seed.forEach((r, i) => {
    log(`seed ${i}: ${r.status} ${JSON.stringify(r.ok ? r.data : r.error)}`);
  });
  // An ordinary call: the client adds the session the batch opened as `sid`.
  const parameters = await client.GET('/rest/Parameters');
  log(`GET Parameters (session ${client.session}): ${parameters.status} ${JSON.stringify(parameters.data)}`);

  const before = requests;
  const claims = await Promise.all([
    client.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: 'cc:22' } } }),
    client.GET('/rest/claim/v1/claims/{claimId}/activities', { params: { path: { claimId: 'cc:22' } } }),
    client.GET('/rest/claim/v1/claims/{claimId}/activities/{activityId}', { params: { path: { claimId: 'cc:22', activityId: 'cc:55' } } }),
  ]);
  const claimRequests = requests - before;
  claims.forEach((r, i) => {
    log(`claim read ${i}: ${r.status}`);
  });
  log(`three claim reads travelled in ${claimRequests} HTTP request(s)`);

  const odata = await client.batch((b) => {
    const created = b.POST('/rest/claim/v1/claims', { body: { data: { attributes: { description: 'hail' } } } });
    const read = b.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: created.ref('/body/data/id') } } });
    return { created, read };
  });
  odata.results.forEach((r, i) => {
    log(`odata ${i}: ${r.status} ${JSON.stringify(r.ok ? r.data : r.error)}`);
  });
  log(`odata batch: ${JSON.stringify(odata.summary)}`);
  await client.close();
  return {
    seed: seed.map((r) => r.status),
    parameters: parameters.status,
    claims: claims.map((r) => r.status),
    claimRequests,
    odata: odata.results.map((r) => r.status),
  };
}
