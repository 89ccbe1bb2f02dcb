import { type ChildProcess, fork } from 'node:child_process';
import type { ProbeReport } from './abuse-probe.js';
import type { ServerProcess } from './server-process.js';

/** The probe process watching one server: stop it to get its report. */
export interface Watch {
  /** Stops probing and returns the figures; undefined when the probe itself failed. */
  stop(): Promise<ProbeReport | undefined>;
}

const PROBE = new URL('./abuse-probe.js', import.meta.url);

/**
 * Starts abuse-probe.js against `server`: a small request every 10 ms on its own connection, and a
 * memory poll that kills the server above `ceilingMb` of RSS (the machine is shared). Resolves once
 * the probe has its session and is sending.
 */
export function startWatch(server: ServerProcess, ceilingMb: number): Promise<Watch> {
  const child = fork(PROBE.pathname, [server.url, String(server.pid), String(ceilingMb)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('the probe did not start within 10 s')), 10_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const onExit = (code: number | null) => fail(new Error(`the probe exited with ${code}: ${stderr}`));
    child.once('exit', onExit);
    child.once('message', (message: { type?: string }) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      if (message.type !== 'ready') return fail(new Error(`unexpected message from the probe: ${JSON.stringify(message)}`));
      resolve({ stop: () => stopProbe(child) });
    });
  });
}

function stopProbe(child: ChildProcess): Promise<ProbeReport | undefined> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(undefined);
    let report: ProbeReport | undefined;
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.on('message', (message: ProbeReport) => {
      if (message.type === 'report') report = message;
    });
    child.once('exit', () => {
      clearTimeout(force);
      resolve(report);
    });
    child.send({ type: 'stop' });
  });
}
