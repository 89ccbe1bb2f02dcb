import type { Dialect } from './dialect.js';

/** The members {@link notInherited} sets on a built-in dialect. */
export interface NotInheritedMembers {
  /** See `Dialect.encoderReadsRequests`. */
  encoderReadsRequests?: false;
  /** See `Dialect.encodeItems`. */
  encodeItems?: Dialect['encodeItems'];
}

/**
 * Sets `members` on `dialect` as properties a spread does not copy. Each one is only true of the
 * dialect's own encoders: a dialect made by spreading it (`{...exagoDialect, encode}`) may read
 * `context.requests`, or answer differently, in encoders of its own, so it must not inherit "lets
 * go of sub-requests" or "answers with `encodeItems`" (it worked before these members existed, and
 * must go on working). A spread dialect that wants them says so itself.
 */
export function notInherited(dialect: Dialect, members: NotInheritedMembers): Dialect {
  for (const [name, value] of Object.entries(members)) Object.defineProperty(dialect, name, { value, enumerable: false });
  return dialect;
}
