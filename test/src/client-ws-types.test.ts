// Compile-time tests: `tsc -b` fails on any `@ts-expect-error` line that is not an error. The
// README's `wsTransport({ url, WebSocket })` with `ws`'s constructor, and the DOM's, compile as they are.
import { type Transport, wsTransport } from '@restbatch/client';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';

export function wsConstructors(url: string): Transport[] {
  return [
    wsTransport({ url, WebSocket }),
    wsTransport({ url, WebSocket: globalThis.WebSocket }),
    // @ts-expect-error not a WebSocket constructor
    wsTransport({ url, WebSocket: Map }),
  ];
}

test("wsTransport takes ws's WebSocket and the DOM's without a cast (the compile-time checks above built)", () => {
  assert.type(wsConstructors, 'function');
});

test.run();
