import { type ChildProcess, spawn } from 'node:child_process';
import { peakRssMb } from './measure.js';

/** How a server process ended. */
export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The example server running in its own process, so its memory is measured alone. */
export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  /** Settles when the process has exited, for whatever reason. */
  readonly exited: Promise<ServerExit>;
  /** The server's peak resident memory so far (VmHWM), in MB. */
  peakRssMb(): number | undefined;
  /** The last few KB the server wrote to stderr (a crash's reason). */
  stderrTail(): string;
  /** Calls `listener` with every line the server prints on stdout from now on (one per batch). */
  onLine(listener: (line: string) => void): void;
  /** Sends SIGTERM and waits for the process to exit. */
  stop(): Promise<void>;
  /** Sends SIGKILL and waits for the process to exit (no graceful drain). */
  kill(): Promise<void>;
}

const MAIN = new URL('../../examples/server/dist/main.js', import.meta.url);
const LISTENING = /listening on (http:\/\/\S+)/;
const TAIL = 4000;

/**
 * Starts `node examples/server/dist/main.js` (or another server script that prints "listening on
 * http://…", such as the naive reference server) on a free loopback port with `env` added.
 */
export function startServerProcess(
  env: Record<string, string> = {},
  script: URL = MAIN,
  nodeArgs: readonly string[] = [],
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, script.pathname], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<ServerExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-TAIL);
  });
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => fail(new Error(`${script.pathname} did not start within 15 s: ${stderr || seen.slice(-400)}`)), 15_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.on('error', fail);
    const onExit = (code: number | null) => fail(new Error(`the example server exited with ${code}: ${stderr || seen.slice(-400)}`));
    child.on('exit', onExit);
    // The server logs a line per batch: keep draining stdout so that it never blocks on a full pipe.
    const waitForUrl = (chunk: string) => {
      if (seen.length < 10_000) seen += chunk;
      const match = LISTENING.exec(seen);
      if (match === null || child.pid === undefined) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout.off('data', waitForUrl);
      resolve(handle(child, match[1] as string, exited, () => stderr));
    };
    child.stdout.setEncoding('utf8').on('data', waitForUrl);
  });
}

function handle(child: ChildProcess, url: string, exited: Promise<ServerExit>, stderrTail: () => string): ServerProcess {
  const pid = child.pid as number;
  const listeners: Array<(line: string) => void> = [];
  let partial = '';
  child.stdout?.on('data', (chunk: string) => {
    if (listeners.length === 0) return;
    const lines = (partial + chunk).split('\n');
    partial = (lines.pop() as string).slice(-TAIL);
    for (const line of lines) for (const listener of listeners) listener(line);
  });
  const end = (signal: NodeJS.Signals, forceAfterMs: number) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const force = setTimeout(() => child.kill('SIGKILL'), forceAfterMs);
      exited.then(() => {
        clearTimeout(force);
        resolve();
      });
      child.kill(signal);
    });
  return {
    url,
    pid,
    exited,
    peakRssMb: () => peakRssMb(pid),
    stderrTail,
    onLine: (listener) => {
      listeners.push(listener);
    },
    stop: () => end('SIGTERM', 5000),
    kill: () => end('SIGKILL', 1000),
  };
}
