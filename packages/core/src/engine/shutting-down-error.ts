import { RestBatchError } from '../errors/restbatch-error.js';

/** The error a request gets while its server shuts down: 503 `SHUTTING_DOWN`, to be retried on another node. */
export function shuttingDownError(): RestBatchError {
  return new RestBatchError('SHUTTING_DOWN', 'The server is shutting down; retry on another node');
}
