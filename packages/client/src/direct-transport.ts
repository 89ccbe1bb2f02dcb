import type { Engine } from '@restbatch/core';
import { createDirectCaller, type DirectRequest } from '@restbatch/direct';
import { ClientError, errorCodeOf, errorMessageOf, transportFailed, unsendable } from './client-error.js';
import type { Transport, WireResponse } from './transport.js';

/** The direct transport: calls an in-process engine through `@restbatch/direct`, items as they settle. */
export function directTransport(engine: Engine): Transport {
  if (typeof (engine as Partial<Engine> | undefined)?.dispatch !== 'function')
    throw new ClientError('INVALID_OPTIONS', 'directTransport: pass the engine createEngine made');
  const call = createDirectCaller(engine);
  return {
    // Not async: an async send would hold its request, and so the whole envelope, until the batch ends.
    send(request) {
      let index = 0;
      const onItem = request.onItem;
      const direct: DirectRequest = {
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: request.body,
        signal: request.signal,
        onResult: onItem === undefined ? undefined : (item, result) => onItem(item, index++, result),
        // Every item comes through onItem: no final body is made (a replayed batch still answers one).
        streamOnly: onItem !== undefined,
        // The engine's results as they are, when the client's dialect reads them: no item is made and read back.
        itemsOfErrorsOnly: onItem !== undefined && request.readsResults === true,
      };
      const answer = call(direct);
      // The caller copied the body before it returned: the envelope is garbage now, not once every
      // call of the batch has settled (a batch's thousand items then never outlive a young collection).
      direct.body = undefined;
      // Its status, headers and body: no summary (the items were streamed, but the summary is in its headers).
      return answer.then(unwritable(request.method, request.url), failed(request.method, request.url, request.body !== undefined));
    },
  };
}

/**
 * The engine's answer, unless it refused a body JSON cannot write (BODY_UNWRITABLE: a BigInt, a
 * cycle): that is the caller's error, refused before anything ran, as the HTTP transport refuses it.
 */
function unwritable(method: string, url: string): (response: WireResponse) => WireResponse {
  return (response) => {
    if (response.status === 400 && errorCodeOf(response.body) === 'BODY_UNWRITABLE')
      throw unsendable(method, url, new Error((errorMessageOf(response.body) ?? '').replace(/^The body cannot be written as JSON: /, '')));
    return response;
  };
}

/**
 * What a rejected direct call is to the client: the transport's failure (the caller answers errors,
 * a body JSON cannot write among them, as responses); a TypeError or RangeError of such a body from
 * a caller that still throws it is the caller's error.
 */
function failed(method: string, url: string, hasBody: boolean): (error: unknown) => never {
  return (error) => {
    if (error instanceof ClientError) throw error;
    if (hasBody && (error instanceof TypeError || error instanceof RangeError)) throw unsendable(method, url, error);
    throw transportFailed(method, url, error);
  };
}
