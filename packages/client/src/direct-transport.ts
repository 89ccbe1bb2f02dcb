import type { Engine } from '@restbatch/core';
import { createDirectCaller, type DirectResponse } from '@restbatch/direct';
import type { Transport, WireResponse } from './transport.js';

/** The direct transport: calls an in-process engine through `@restbatch/direct`, items as they settle. */
export function directTransport(engine: Engine): Transport {
  const call = createDirectCaller(engine);
  return {
    // Not async itself: the request is read here, so that the batch's promise does not keep it (and its envelope) alive.
    send(request) {
      let index = 0;
      const onItem = request.onItem;
      return call({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: request.body,
        signal: request.signal,
        onResult: onItem === undefined ? undefined : (item) => onItem(item, index++),
        // Every item comes through onItem: no final body is made (a replayed batch still answers one).
        streamOnly: onItem !== undefined,
      }).then(withoutSummary);
    },
  };
}

function withoutSummary(response: DirectResponse): WireResponse {
  return { ...response, summary: undefined };
}
