import type { IncomingMessage } from 'node:http';
import { withCode } from '@restbatch/core';

/** Which browser origins may open a connection: a list of origins (`https://app.example.com`), or a test of each. */
export type AllowedOrigins = readonly string[] | ((origin: string, request: IncomingMessage) => boolean);

/** The checks an upgrade passes before it is accepted. */
export interface UpgradeChecks {
  allowedOrigins?: AllowedOrigins;
  verifyUpgrade?: (request: IncomingMessage) => boolean;
}

/**
 * Builds the test of an upgrade request: its `Origin` (when it has one: browsers always send it,
 * other clients usually do not) must be allowed, then `verifyUpgrade` must return true. Both unset:
 * every upgrade passes. Origins are compared by their serialization, case-insensitively. A check that
 * throws refuses the upgrade.
 */
export function upgradeCheck(checks: UpgradeChecks): (request: IncomingMessage) => boolean {
  const { allowedOrigins, verifyUpgrade } = checks;
  const allowed = allowedOrigins === undefined ? undefined : typeof allowedOrigins === 'function' ? allowedOrigins : listed(allowedOrigins);
  return (request) => {
    // A throwing check refuses the upgrade rather than leaving the socket open.
    try {
      const origin = request.headers.origin;
      if (allowed !== undefined && origin !== undefined && !allowed(origin, request)) return false;
      return verifyUpgrade === undefined || verifyUpgrade(request) === true;
    } catch {
      return false;
    }
  };
}

function listed(origins: readonly string[]): (origin: string) => boolean {
  for (const origin of origins)
    if (typeof origin !== 'string' || origin.length === 0)
      throw withCode(new Error(`allowedOrigins holds ${JSON.stringify(origin)}, not an origin`), 'INVALID_OPTIONS');
  const set = new Set(origins.map((origin) => origin.toLowerCase().replace(/\/+$/, '')));
  return (origin) => set.has(origin.toLowerCase());
}
