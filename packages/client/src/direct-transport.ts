import type { Engine } from '@restbatch/core';
import { createDirectCaller, type DirectRequest } from '@restbatch/direct';
import type { Transport } from './transport.js';

/** The direct transport: calls an in-process engine through `@restbatch/direct`, items as they settle. */
export function directTransport(engine: Engine): Transport {
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
      return answer;
    },
  };
}
