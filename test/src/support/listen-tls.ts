import { readFileSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';

/** The self-signed key and certificate of test/fixtures/tls (for 127.0.0.1; test material only). */
export const TLS_CREDENTIALS = {
  key: readFileSync(new URL('../../fixtures/tls/key.pem', import.meta.url)),
  cert: readFileSync(new URL('../../fixtures/tls/cert.pem', import.meta.url)),
};

/** Serves `listener` over HTTPS on 127.0.0.1 at a free port; `close()` also drops keep-alive connections. */
export async function listenTls(listener: RequestListener): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const server = createServer(TLS_CREDENTIALS, listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
