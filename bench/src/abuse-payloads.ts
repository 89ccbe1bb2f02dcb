// The request bodies of the abuse scenario's attacks (issue 10), built as text.
import type { ExagoCall } from './exago-mix.js';

/** The longest parameter Value the Exago schema accepts: 64 KiB. */
export const BIG_VALUE = 'x'.repeat(65_536);

const SESSION: ExagoCall = { Url: 'Sessions', Method: 'POST' };
const BIG_PARAMETER: ExagoCall = { Url: 'Parameters', Method: 'POST', Payload: { Id: 'Big', Value: BIG_VALUE } };

/**
 * Reference amplification: call 1 holds a 64 KiB Value, call 2's Values repeat `${1/body/Value}`
 * `copies` times, then `items` calls each POST a parameter whose Values are `$ref:2/body/Values`.
 * The answer is about 64 KiB × copies × (items + 1) from a body of a few hundred KB.
 */
export function amplificationBatch(copies: number, items: number): string {
  const calls: ExagoCall[] = [
    SESSION,
    BIG_PARAMETER,
    { Url: 'Parameters', Method: 'POST', Payload: { Id: 'Amp', Values: new Array(copies).fill('${1/body/Value}') } },
  ];
  for (let i = 0; i < items; i++) calls.push({ Url: 'Parameters', Method: 'POST', Payload: { Id: `C${i}`, Values: '$ref:2/body/Values' } });
  return JSON.stringify(calls);
}

/**
 * Session growth: call 1 holds a Value of 65,530 characters, then `copies` parameters whose Value
 * is `C<i>:${1/body/Value}`, each kept in the session (about 69 KB of body asking for 64 KiB ×
 * copies). The prefix makes each copy a string of its own in memory: a whole-value reference alone
 * would share one string, so the memory store would hold the logical bytes but not the physical ones.
 */
export function sessionGrowthBatch(copies: number): string {
  const calls: ExagoCall[] = [SESSION, { Url: 'Parameters', Method: 'POST', Payload: { Id: 'Big', Value: 'x'.repeat(65_530) } }];
  for (let i = 0; i < copies; i++) {
    calls.push({ Url: 'Parameters', Method: 'POST', Payload: { Id: `C${i}`, Value: `C${i}:\${1/body/Value}` } });
  }
  return JSON.stringify(calls);
}

/** A batch whose answer is large without references: the 64 KiB parameter read back `reads` times. */
export function bigReadsBatch(reads: number): string {
  const calls: ExagoCall[] = [SESSION, BIG_PARAMETER];
  for (let i = 0; i < reads; i++) calls.push({ Url: 'Parameters/Big', Method: 'GET' });
  return JSON.stringify(calls);
}

/** `POST Sessions` then `Session%73` (`Sessions` once decoded) `creates` times: one session each. */
export function sessionFloodBatch(creates: number): string {
  const calls: ExagoCall[] = [SESSION];
  for (let i = 0; i < creates; i++) calls.push({ Url: 'Session%73', Method: 'POST' });
  return JSON.stringify(calls);
}

/**
 * An OData batch of `items` requests in one atomicity group, each depending on the group: the
 * decoder copies the group's member list for every item. Kept under the 1 MiB body limit.
 */
export function odataGroupBatch(items: number): string {
  const requests: string[] = [];
  for (let i = 0; i < items; i++) requests.push(`{"id":"${i}","method":"GET","url":"c","atomicityGroup":"g","dependsOn":["g"]}`);
  return `{"requests":[${requests.join(',')}]}`;
}
