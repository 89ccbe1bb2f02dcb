import { type ChildProcess, spawn } from 'node:child_process';
import { peakRssMb } from './measure.js';

/** The example server running in its own process, so its memory is measured alone. */
export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  /** The server's peak resident memory so far (VmHWM), in MB. */
  peakRssMb(): number | undefined;
  /** Sends SIGTERM and waits for the process to exit. */
  stop(): Promise<void>;
}

const MAIN = new URL('../../examples/server/dist/main.js', import.meta.url);
const LISTENING = /listening on (http:\/\/\S+)/;

/** Starts `node examples/server/dist/main.js` on a free loopback port with `env` added. */
export function startServerProcess(env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [MAIN.pathname], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => fail(new Error(`the example server did not start within 15 s: ${seen.slice(-400)}`)), 15_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.on('error', fail);
    child.on('exit', (code) => fail(new Error(`the example server exited with ${code}: ${seen.slice(-400)}`)));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      seen += chunk;
    });
    // The server logs a line per batch: keep draining stdout so that it never blocks on a full pipe.
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (seen.length < 10_000) seen += chunk;
      const match = LISTENING.exec(seen);
      if (match === null || child.pid === undefined) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      seen = '';
      resolve(handle(child, match[1] as string));
    });
  });
}

function handle(child: ChildProcess, url: string): ServerProcess {
  const pid = child.pid as number;
  return {
    url,
    pid,
    peakRssMb: () => peakRssMb(pid),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
