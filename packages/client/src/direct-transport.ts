import type { Engine } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import type { Transport } from './transport.js';

/** The direct transport: calls an in-process engine through `@restbatch/direct`, items as they settle. */
export function directTransport(engine: Engine): Transport {
  const call = createDirectCaller(engine);
  return {
    async send(request) {
      let index = 0;
      const onItem = request.onItem;
      const response = await call({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: request.body,
        signal: request.signal,
        onResult: onItem === undefined ? undefined : (item) => onItem(item, index++),
        // Every item comes through onItem: no final body is made (a replayed batch still answers one).
        streamOnly: onItem !== undefined,
      });
      return { ...response, summary: undefined };
    },
  };
}
