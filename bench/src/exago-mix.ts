/** One call of an Exago batch, as the wire carries it. */
export interface ExagoCall {
  Url: string;
  Method: 'POST' | 'PATCH' | 'GET' | 'DELETE';
  Payload?: Record<string, unknown>;
}

/** The session configuration of the benchmark engine (the example server's default). */
export const BENCH_CONFIGS = { default: { roles: [{ Id: 'MyRole' }] } };

/**
 * The benchmark's batch of `n` calls: `POST Sessions`, then a repeating cycle of eight calls that
 * POST a parameter, PATCH, GET and DELETE it, then do the same with a role. Every Id is POSTed
 * before it is used, so every call of the mix is expected to succeed.
 */
export function exagoMix(n: number): ExagoCall[] {
  const calls: ExagoCall[] = [{ Url: 'Sessions', Method: 'POST' }];
  for (let i = 1; i < n; i++) calls.push(cycleCall((i - 1) % 8, Math.floor((i - 1) / 8)));
  return calls;
}

/**
 * The same mix, but every PATCH, GET and DELETE names its Id by a reference to the result of the
 * POST that created it (`Parameters/${5/body/Id}`), as issue 5's references allow.
 */
export function exagoMixWithReferences(n: number): ExagoCall[] {
  const calls = exagoMix(n);
  for (let i = 1; i < n; i++) {
    const step = (i - 1) % 8;
    if (step % 4 === 0) continue;
    const post = i - (step % 4);
    const call = calls[i] as ExagoCall;
    call.Url = `${call.Url.split('/')[0]}/\${${post}/body/Id}`;
  }
  return calls;
}

function cycleCall(step: number, k: number): ExagoCall {
  const p = `P${k}`;
  const r = `R${k}`;
  switch (step) {
    case 0:
      return { Url: 'Parameters', Method: 'POST', Payload: { Id: p, DataType: 'String', Value: 'v', PromptText: 'Enter a value' } };
    case 1:
      return { Url: `Parameters/${p}`, Method: 'PATCH', Payload: { Value: 'w', IsHidden: false } };
    case 2:
      return { Url: `Parameters/${p}`, Method: 'GET' };
    case 3:
      return { Url: `Parameters/${p}`, Method: 'DELETE' };
    case 4:
      return { Url: 'Roles', Method: 'POST', Payload: { Id: r, IsActive: true } };
    case 5:
      return { Url: `Roles/${r}`, Method: 'PATCH', Payload: { IsActive: false } };
    case 6:
      return { Url: `Roles/${r}`, Method: 'GET' };
    default:
      return { Url: `Roles/${r}`, Method: 'DELETE' };
  }
}

/**
 * How many items of an Exago batch response carry a 2xx ReturnCode. An indexed loop with one read
 * per item: called once per batch, at N=10000 it runs too few times to be optimized again after a
 * deopt, and a for-of then runs as baseline code (about 260 instructions per item, which the direct
 * figure at N=10000 would count as the engine's).
 */
export function countSuccesses(body: unknown): number {
  if (!Array.isArray(body)) return 0;
  let ok = 0;
  for (let i = 0; i < body.length; i++) if (isSuccess(body[i])) ok++;
  return ok;
}

/** Whether one Exago item carries a 2xx ReturnCode (what {@link countSuccesses} counts). */
export function isSuccess(item: unknown): boolean {
  const code = (item as { ReturnCode?: unknown } | null | undefined)?.ReturnCode;
  return typeof code === 'string' && code.charCodeAt(0) === 0x32 /* '2' */;
}

/** The session id a batch response's first item (POST Sessions) carries. */
export function sessionIdOf(body: unknown): string | undefined {
  const first = Array.isArray(body) ? body[0] : undefined;
  const id = first?.ResponseContent?.Id;
  return typeof id === 'string' ? id : undefined;
}
