// Runs the Exago seed document's example batch in-process and prints the responses.
import 'reflect-metadata';
import { createEngine, exagoApi } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';

const engine = createEngine({
  apis: [exagoApi({ configs: { default: { roles: [{ Id: 'MyRole' }] } } })],
});
const call = createDirectCaller(engine);

const response = await call({
  url: '/rest/batch',
  body: [
    { Url: 'Sessions', Method: 'POST' },
    { Url: 'Roles/MyRole', Method: 'PATCH', Payload: { IsActive: true } },
    {
      Url: 'Parameters',
      Method: 'POST',
      Payload: { Id: 'MyParameter', DataType: 'String', Value: '', PromptText: 'Input a value', IsHidden: true },
    },
  ],
});

console.log(JSON.stringify(response.body, null, 2));
const sid = (response.body as Array<{ ResponseContent: { Id: string } }>)[0]?.ResponseContent.Id;
const parameters = await call({ method: 'GET', url: `/rest/Parameters?sid=${sid}` });
console.log(`GET /rest/Parameters?sid=${sid} ->`, parameters.status, JSON.stringify(parameters.body));
