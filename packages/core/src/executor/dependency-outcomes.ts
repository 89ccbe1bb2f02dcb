import { dependencyMet } from './dependency-met.js';

/** The member whose status stands for its atomicity group (see `DependencyOutcomes`). */
interface GroupStanding {
  /** Its index in the batch. */
  at: number;
  /** Its key: its id, or its index as a string. */
  member: string;
  status: number;
}

/**
 * The final status of each sub-request so far, by id or index, and of each atomicity group that a
 * dependency names: what `dependsOn` and conditions read. A group is met only when every member
 * answered 2xx (OData JSON 4.01 §19.1 "a request that depends on other requests or atomicity groups
 * is only executed if those requests were executed successfully, i.e. with a 2xx response code"):
 * its status is that of its first member that did not, else that of its latest member. A member's
 * status only ever goes from met to unmet (a rollback, a write its store refused later), so keeping
 * that one member costs a comparison per result, not a walk of the group per dependant.
 */
export class DependencyOutcomes {
  readonly #statuses = new Map<string, number>();
  // The position of each sub-request by key (its id, or its index as a string).
  readonly #positions = new Map<string, number>();
  // The groups some dependency names (see `BatchPlan.groupDependencies`), by name as written.
  readonly #names: ReadonlySet<string> | undefined;
  readonly #groups = new Map<string, GroupStanding>();

  constructor(groups: ReadonlySet<string> | undefined) {
    this.#names = groups;
  }

  /** The status that meets or fails a dependency on `key` (a sub-request's key or a group's name); undefined before it has one. */
  get(key: string): number | undefined {
    return this.#names?.has(key) === true ? this.#groups.get(key)?.status : this.#statuses.get(key);
  }

  /** The member that stands for group `name` (its first that did not answer 2xx, else its latest); undefined for a sub-request's key. */
  standing(name: string): { member: string; status: number } | undefined {
    return this.#names?.has(name) === true ? this.#groups.get(name) : undefined;
  }

  /**
   * The position of the sub-request whose status meets or fails a dependency on `key` (for a group,
   * its standing member: its latest while all are met); undefined before it has one.
   */
  at(key: string): number | undefined {
    return this.#names?.has(key) === true ? this.#groups.get(key)?.at : this.#positions.get(key);
  }

  /** Records the status of sub-request `key` (at `index`, in atomicity group `group`), and what it does to its group. */
  set(key: string, index: number, group: string | undefined, status: number): void {
    this.#statuses.set(key, status);
    this.#positions.set(key, index);
    if (group === undefined || this.#names?.has(group) !== true) return;
    const groups = this.#groups;
    const now = groups.get(group);
    const met = dependencyMet(status);
    if (now === undefined) {
      groups.set(group, { at: index, member: key, status });
      return;
    }
    const nowMet = dependencyMet(now.status);
    // All met so far: a later member (or a change of the latest) stands for the group, and so does
    // any member that answered otherwise. Else the first that did not stands.
    if (nowMet ? index >= now.at || !met : index === now.at || (index < now.at && !met)) {
      now.at = index;
      now.member = key;
      now.status = status;
    }
  }
}
