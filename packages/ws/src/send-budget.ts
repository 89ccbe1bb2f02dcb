import { RestBatchError } from '@restbatch/core';

/** What the budget needs of a connection: its send-buffer level and a way to drop it. */
export interface BufferHolder {
  /** Bytes waiting to be sent now (`ws.bufferedAmount`: it falls only when a whole write has completed). */
  readonly buffered: number;
  /**
   * Bytes of its writes the operating system has not yet taken (`undefined` when unknown): falls
   * while the peer reads one large message, when {@link buffered} does not. Read only while messages wait.
   */
  readonly unsent: number | undefined;
  /** Destroys the connection at once, which is what frees its buffer (a close frame would wait behind it). */
  terminate(): void;
}

/**
 * Bytes a holder must be seen to drain (its level's and its unsent bytes' falls added up) for that
 * to count as reading: within each `stallMs` while messages wait, so a client that trickles a few
 * bytes a second cannot keep its share of the budget while others wait (about 8–16 KiB/s; a holder
 * left with no more than this counts with any fall).
 */
const MIN_PROGRESS_BYTES = 16 * 1024;

/**
 * Checks in a row (one each `stallMs / 4` while messages wait) that must find a holder without
 * progress, besides `stallMs` of time, before it counts as stalled: a check that comes late (the
 * process was busy, and its clients could not read either) is one check, not a second of stall.
 */
const STALLED_CHECKS = 4;

interface Level {
  bytes: number;
  /**
   * When it last made progress, or when messages began to wait (or it was first held, if later):
   * a holder that has made none for `stallMs` is not reading. Progress is judged only while
   * messages wait, from a baseline taken when they began to: before, nothing was measured.
   */
  since: number;
  /** {@link BufferHolder.unsent} when last read: its fall is progress too (a reader in the middle of one large message). */
  unsent: number | undefined;
  /** Bytes seen drained since {@link since}, short of {@link MIN_PROGRESS_BYTES}. */
  credit: number;
  /** Checks since {@link since} (see {@link STALLED_CHECKS}). */
  checks: number;
}

interface Waiter {
  holder: BufferHolder;
  bytes: number;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * The bytes waiting to be sent across all connections of one transport, bounded. Each connection
 * reports its level when it sends and when a write completes; the sum is an estimate that can only
 * run high (a buffer may have drained since its last report). A result or response that would take
 * the sum past the budget waits for room, in arrival order (one larger than the whole budget goes
 * once nothing else waits to be sent), so clients that read are slowed, never cut off. While
 * something waits, connections that have not drained {@link MIN_PROGRESS_BYTES} within `stallMs`
 * (counting the falls of their level and of their unsent bytes, {@link BufferHolder.unsent}: a reader
 * in the middle of one large message), measured from when the wait began and over at least
 * {@link STALLED_CHECKS} checks, are cut off (clients that do not read, or only trickle), those
 * holding the most first, until the first waiting message fits. Cut off, not
 * closed: a close frame would queue behind the very bytes that have to go.
 */
export class SendBudget {
  readonly #held = new Map<BufferHolder, Level>();
  readonly #waiters: Waiter[] = [];
  #total = 0;
  #watch: NodeJS.Timeout | undefined;

  constructor(
    private readonly max: number,
    private readonly stallMs: number,
  ) {}

  /** Whether messages wait for room (a connection that stalls now is cut off rather than closed). */
  get crowded(): boolean {
    return this.#waiters.length > 0;
  }

  /** Records the level of one connection; waiting messages that now fit go. */
  note(holder: BufferHolder, bytes: number): void {
    this.#set(holder, bytes);
    this.#wake();
  }

  /**
   * `undefined` when `holder` may send `bytes` more now; otherwise a promise that settles once there
   * is room (its level then counts them already), or rejects when the connection is forgotten first.
   */
  room(holder: BufferHolder, bytes: number): Promise<void> | undefined {
    if (this.#waiters.length === 0) {
      if (this.#fits(bytes)) return undefined;
      this.#baseline();
    }
    return new Promise((resolve, reject) => {
      this.#waiters.push({ holder, bytes, resolve, reject });
      this.#arm();
    });
  }

  /** Drops a closed connection from the sum; its waiting messages are released with an `ABORTED` error. */
  forget(holder: BufferHolder): void {
    this.#set(holder, 0);
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const waiter = this.#waiters[i] as Waiter;
      if (waiter.holder !== holder) continue;
      this.#waiters.splice(i, 1);
      waiter.reject(new RestBatchError('ABORTED', 'The connection closed'));
    }
    this.#wake();
  }

  #fits(bytes: number): boolean {
    return this.#total === 0 || this.#total + bytes <= this.max;
  }

  #set(holder: BufferHolder, bytes: number): void {
    const level = this.#held.get(holder);
    this.#total += bytes - (level?.bytes ?? 0);
    if (bytes === 0) this.#held.delete(holder);
    else if (level === undefined) {
      // Held first while messages wait: its baseline is taken now, as theirs were when the wait began.
      const unsent = this.crowded ? holder.unsent : undefined;
      this.#held.set(holder, { bytes, since: Date.now(), unsent, credit: 0, checks: 0 });
    } else {
      const fallen = level.bytes - bytes;
      level.bytes = bytes;
      if (fallen > 0) progress(level, fallen, Date.now());
    }
  }

  /** Lets waiting messages go in order while they fit; each one's bytes count at once, before it is written. */
  #wake(): void {
    while (this.#waiters.length > 0) {
      const first = this.#waiters[0] as Waiter;
      if (!this.#fits(first.bytes)) return;
      this.#waiters.shift();
      this.#set(first.holder, (this.#held.get(first.holder)?.bytes ?? 0) + first.bytes);
      first.resolve();
    }
    clearTimeout(this.#watch);
    this.#watch = undefined;
  }

  /**
   * Messages begin to wait: every holder's progress is measured from now. A holder that made no
   * progress before (one large write that a client has been reading for seconds: its level falls
   * only once the write completes) was not watched then, and gets its whole `stallMs` to show it.
   */
  #baseline(): void {
    const now = Date.now();
    for (const [holder, level] of this.#held) {
      level.since = now;
      level.credit = 0;
      level.checks = 0;
      level.unsent = holder.unsent;
    }
  }

  #arm(): void {
    this.#watch ??= setTimeout(() => this.#cutStalled(), Math.max(1, this.stallMs / 4)).unref();
  }

  /** Reads the real levels again, then cuts off stalled holders, largest first, until the first waiting message fits. */
  #cutStalled(): void {
    this.#watch = undefined;
    const now = Date.now();
    for (const [holder, level] of [...this.#held]) {
      // A client reading one large message: its level stays until the whole write completes, but
      // what the operating system has not taken yet falls. That is progress, not a stall.
      const unsent = holder.unsent;
      if (unsent !== undefined && level.unsent !== undefined && unsent < level.unsent) progress(level, level.unsent - unsent, now);
      level.unsent = unsent;
      level.checks++;
      this.#set(holder, holder.buffered);
    }
    const stalled = [...this.#held]
      .filter(([, level]) => now - level.since >= this.stallMs && level.checks >= STALLED_CHECKS)
      .sort((a, b) => b[1].bytes - a[1].bytes);
    for (const [holder] of stalled) {
      const first = this.#waiters[0];
      if (first === undefined || this.#fits(first.bytes)) break;
      this.forget(holder);
      holder.terminate();
    }
    this.#wake();
    if (this.#waiters.length > 0) this.#arm();
  }
}

/** Counts `fallen` drained bytes: enough of them (or all but a little of what it holds) is progress, and the count starts again. */
function progress(level: Level, fallen: number, now: number): void {
  level.credit += fallen;
  if (level.credit < MIN_PROGRESS_BYTES && level.bytes > MIN_PROGRESS_BYTES) return;
  level.since = now;
  level.credit = 0;
  level.checks = 0;
}
