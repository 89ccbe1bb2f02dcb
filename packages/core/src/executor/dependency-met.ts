/**
 * Whether a result with `status` meets a dependency on it (`dependsOn`, a condition's
 * `succeeded`): a 2xx answer, as OData JSON 4.01 §19.1 defines it ("only executed if those
 * requests were executed successfully, i.e. with a 2xx response code"), the one batch format that
 * says. A 3xx (a 304 to `If-None-Match`, a 303 See Other) is no failure, and the summary counts it
 * as succeeded, but it did not do what was asked (nothing was read or written here), so a
 * sub-request that waits on it does not run. Undefined (no outcome yet) meets nothing.
 */
export function dependencyMet(status: number | undefined): boolean {
  return status !== undefined && status >= 200 && status < 300;
}
