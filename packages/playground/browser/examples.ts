/** A ready-made batch: where it goes, its query and headers, and its body. */
export interface Example {
  readonly name: string;
  readonly endpoint: string;
  readonly query: string;
  readonly headers: string;
  readonly body: unknown;
}

/** The examples, the Exago seed batch first (the page's default). */
export const EXAMPLES: readonly Example[] = [
  {
    name: 'Exago seed: open a session, activate MyRole',
    endpoint: '/rest/batch',
    query: '',
    headers: '',
    body: [
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Roles/MyRole', Method: 'PATCH', Payload: { IsActive: true } },
    ],
  },
  {
    name: 'Exago: session, role and a parameter',
    endpoint: '/rest/batch',
    query: '',
    headers: '',
    body: [
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Roles/MyRole', Method: 'PATCH', Payload: { IsActive: true } },
      {
        Url: 'Parameters',
        Method: 'POST',
        Payload: { Id: 'MyParameter', DataType: 'String', Value: '', PromptText: 'Input a value', IsHidden: true },
      },
    ],
  },
  {
    name: 'Exago: atomic batch rolled back (unknown role)',
    endpoint: '/rest/batch',
    query: 'onFail=atomic',
    headers: '',
    body: [
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Parameters', Method: 'POST', Payload: { Id: 'Region', DataType: 'String', Value: 'EU' } },
      { Url: 'Roles/NoSuchRole', Method: 'PATCH', Payload: { IsActive: true } },
    ],
  },
  {
    name: 'Exago: rejected (no POST Sessions first)',
    endpoint: '/rest/batch',
    query: '',
    headers: '',
    body: [{ Url: 'Roles', Method: 'GET' }],
  },
  {
    name: 'Guidewire: read a claim and its activity',
    endpoint: '/rest/claim/v1/batch',
    query: '',
    headers: '',
    body: {
      requests: [
        { method: 'get', path: '/claims/cc:22' },
        { method: 'get', path: '/claims/cc:22/activities/cc:55' },
      ],
    },
  },
  {
    name: 'Guidewire: onFail "abort" skips the rest',
    endpoint: '/rest/claim/v1/batch',
    query: '',
    headers: '',
    body: {
      requests: [
        { method: 'get', path: '/claims/cc:404', onFail: 'abort' },
        { method: 'get', path: '/claims/cc:22' },
      ],
    },
  },
  {
    name: 'OData: create a claim, then read it by reference',
    endpoint: '/rest/claim/v1/$batch',
    query: '',
    headers: '',
    body: {
      requests: [
        {
          id: '1',
          method: 'POST',
          url: '/claims',
          headers: { 'content-type': 'application/json' },
          body: { data: { attributes: { description: 'Hail damage' } } },
        },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the engine's reference syntax, sent as written
        { id: '2', method: 'GET', url: '/claims/${1/body/data/id}', dependsOn: ['1'] },
      ],
    },
  },
  {
    name: 'OData: atomicity group rolled back',
    endpoint: '/rest/claim/v1/$batch',
    query: '',
    headers: '',
    body: {
      requests: [
        {
          id: '1',
          atomicityGroup: 'g',
          method: 'POST',
          url: '/claims',
          headers: { 'content-type': 'application/json' },
          body: { data: { attributes: { description: 'Hail damage' } } },
        },
        { id: '2', atomicityGroup: 'g', method: 'GET', url: '/claims/cc:404' },
        { id: '3', method: 'GET', url: '/claims/cc:22' },
      ],
    },
  },
];
