import type { BatchPrecheck } from '../../engine/engine-options.js';
import { RestBatchError } from '../../errors/restbatch-error.js';
import { configNameOf } from './config-name.js';
import type { ResolvedExagoOptions } from './exago-options.js';

/** The resource that creates sessions, as `SessionsResource` registers it, and its create route. */
const SESSIONS = 'Sessions';
const CREATE = '/Sessions';

function violation(index: number, reason: string): never {
  throw new RestBatchError('BATCH_RULE_VIOLATION', `Call ${index}: ${reason}`, { details: { index } });
}

/**
 * Exago's batch rules, decided on the route each call reaches after the router decoded its Url
 * (so `Session%73` is `Sessions`): the first call is `POST Sessions` (unless the batch runs in an
 * existing session), no other call is, no call reaches `Sessions/{sid}`, and a call whose route
 * references would choose at run time is refused. Then the config name of the new session is
 * checked: an unknown one rejects the batch before anything runs.
 */
export function exagoBatchRules(options: ResolvedExagoOptions): BatchPrecheck {
  return (requests, routed) => {
    for (let i = 0; i < requests.length; i++) {
      if (routed.deferred(i)) {
        violation(i, `references in a Url may fill a parameter (Roles/\${0/body/Id}) but never choose which resource the call reaches`);
      }
      const route = routed.routeAtPath(i);
      if (route?.resource === SESSIONS) {
        const method = requests[i]!.method;
        if (route.pattern !== CREATE) violation(i, `${method} Sessions/{sid} is not supported in a batch`);
        if (method !== 'POST') violation(i, `${method} Sessions is not supported in a batch`);
        if (i !== 0) violation(i, 'only the first call of a batch may be POST Sessions');
      } else if (i === 0 && routed.session !== 'existing') {
        violation(0, 'the first call of a batch must be POST Sessions: every batch creates a new session');
      }
    }
    if (routed.route(0)?.resource === SESSIONS) configNameOf(requests[0]!.query.config, options);
  };
}
