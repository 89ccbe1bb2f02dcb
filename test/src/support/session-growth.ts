/** The 64 KiB a parameter Value may hold at most. */
export const BIG_VALUE = 'x'.repeat(65_536);

/**
 * The session-growth abuse batch (an Exago body of about 69 KB): a session, a parameter holding
 * 64 KiB, then `copies` parameters whose Value references it, each keeping another 64 KiB.
 */
export function growthBatch(copies: number): Array<Record<string, unknown>> {
  const calls: Array<Record<string, unknown>> = [
    { Url: 'Sessions', Method: 'POST' },
    { Url: 'Parameters', Method: 'POST', Payload: { Id: 'Big', Value: BIG_VALUE } },
  ];
  for (let i = 0; i < copies; i++) calls.push({ Url: 'Parameters', Method: 'POST', Payload: { Id: `C${i}`, Value: '${1/body/Value}' } });
  return calls;
}
