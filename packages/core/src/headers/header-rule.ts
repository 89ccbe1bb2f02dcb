import { RestBatchError } from '../errors/restbatch-error.js';
import type { Headers } from '../model/canonical.js';
import { BAD_HEADER_VALUE, HEADER_NAME } from './check-header-syntax.js';
import { HeaderSet } from './header-set.js';
import { excerpt } from '../errors/excerpt.js';

/** Which outer headers sub-requests inherit and which headers a sub-request may set itself. */
export interface HeaderRuleOptions {
  /** Outer headers never passed down (lower-case), on top of {@link DEFAULT_NON_INHERITED}. */
  nonInherited?: readonly string[];
  /** Replace {@link DEFAULT_NON_INHERITED} instead of adding to it. */
  replaceDefaults?: boolean;
  /**
   * Headers a sub-request may not set itself: identity comes from the outer request only. A name
   * ending in `*` stands for every name it begins (`x-forwarded-*`).
   */
  protected?: readonly string[];
  /** Most headers one sub-request may set. */
  maxHeaders?: number;
  /** Most bytes (names plus values) one sub-request's own headers may hold. */
  maxHeaderBytes?: number;
}

/**
 * Outer headers that describe the outer message or one operation, not the caller, and so are
 * never inherited: framing, content negotiation of the envelope, and HTTP's per-operation
 * preconditions. A vendor's header (Guidewire's `GW-Checksum`) is its dialects' to name
 * (`DialectDefaults.nonInheritedHeaders`), so that a dialect's option can pass it down.
 */
export const DEFAULT_NON_INHERITED: readonly string[] = [
  'content-length',
  'content-type',
  'content-encoding',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
  'host',
  'accept',
  'accept-encoding',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'idempotency-key',
  'prefer',
  'restbatch-timeout',
  'restbatch-references',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
];

/**
 * Headers that carry the caller's identity or the network path; a sub-request cannot set them.
 * `x-forwarded-*` stands for every header whose name begins `x-forwarded-` (`-for`, `-host`,
 * `-proto`, `-port`, `-prefix`, `-client-cert`, ...).
 */
export const DEFAULT_PROTECTED: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'host',
  'forwarded',
  'x-forwarded-*',
  'x-real-ip',
  'x-api-key',
];

/** The compiled rule: computes inherited headers once per batch and merges a sub-request's own. */
export class HeaderRule {
  readonly #nonInherited: Set<string>;
  readonly #protected: HeaderSet;
  readonly #maxHeaders: number;
  readonly #maxHeaderBytes: number;

  constructor(options: HeaderRuleOptions = {}) {
    const base = options.replaceDefaults ? [] : DEFAULT_NON_INHERITED;
    this.#nonInherited = new Set([...base, ...(options.nonInherited ?? [])].map((h) => h.toLowerCase()));
    this.#protected = new HeaderSet(options.protected ?? DEFAULT_PROTECTED);
    this.#maxHeaders = options.maxHeaders ?? 50;
    this.#maxHeaderBytes = options.maxHeaderBytes ?? 16 * 1024;
  }

  /** The outer headers every sub-request of a batch starts from. */
  inherited(outer: Headers, extraNonInherited: readonly string[] = []): Headers {
    const out: Headers = Object.create(null);
    for (const name of Object.keys(outer)) {
      if (this.#nonInherited.has(name) || extraNonInherited.includes(name)) continue;
      out[name] = outer[name] as string;
    }
    return Object.freeze(out);
  }

  /** Checks a sub-request's own headers; throws `INVALID_HEADER` or `HEADERS_TOO_LARGE` naming it by `index` (its id or position). */
  check(own: Headers, index: number | string): void {
    const names = Object.keys(own);
    if (names.length > this.#maxHeaders) {
      throw new RestBatchError('HEADERS_TOO_LARGE', `Sub-request ${index} sets ${names.length} headers; the limit is ${this.#maxHeaders}`);
    }
    let bytes = 0;
    for (const name of names) {
      const value = own[name];
      if (!HEADER_NAME.test(name)) throw new RestBatchError('INVALID_HEADER', `Sub-request ${index}: invalid header name`);
      if (typeof value !== 'string' || BAD_HEADER_VALUE.test(value)) {
        throw new RestBatchError('INVALID_HEADER', `Sub-request ${index}: header ${excerpt(name)} has an invalid value`);
      }
      if (this.#protected.has(name)) {
        throw new RestBatchError(
          'INVALID_HEADER',
          `Sub-request ${index} may not set the ${excerpt(name)} header; it comes from the outer request only`,
        );
      }
      bytes += name.length + value.length;
    }
    if (bytes > this.#maxHeaderBytes) {
      throw new RestBatchError(
        'HEADERS_TOO_LARGE',
        `Sub-request ${index}'s headers hold ${bytes} bytes; the limit is ${this.#maxHeaderBytes}`,
      );
    }
  }

  /** Inherited headers overlaid with the sub-request's own (already checked). */
  merge(inherited: Headers, own: Headers): Headers {
    const names = Object.keys(own);
    if (names.length === 0) return inherited;
    const out: Headers = Object.assign(Object.create(null), inherited);
    for (const name of names) out[name] = own[name] as string;
    return out;
  }
}
