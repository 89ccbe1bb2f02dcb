import type { ServerProcess } from './server-process.js';

/** What an attack gets: the server under attack and a signal that aborts at its time limit. */
export interface AttackContext {
  url: string;
  server: ServerProcess;
  signal: AbortSignal;
}

/** An attack's own check, such as "the 1 ms deadline answers 504". */
export interface AttackCheck {
  name: string;
  goal: string;
  pass: boolean;
}

/** What an attack reports: what its requests got, in one line. */
export interface AttackResult {
  outcome: string;
  check?: AttackCheck;
}

/** One attack of issue 10, run against a fresh example server. */
export interface Attack {
  name: string;
  description: string;
  /** The attack is stopped (its signal aborts) after this long. */
  limitMs: number;
  /** Size of the attacking request's body (per request). */
  bodyBytes: number;
  /** Whether the "a 10000-item batch never blocks other clients > 50 ms" target applies. */
  blockTarget?: boolean;
  run(context: AttackContext): Promise<AttackResult>;
}
