/**
 * The rate, in bytes per second, at which a reader keeps its connection past the write timeout:
 * each byte its socket takes buys 1/16384 s (see {@link WriteWatch}).
 */
export const MIN_READ_BYTES_PER_SECOND = 16 * 1024;

/** How far ahead, in write timeouts, what a reader took can carry it (a reader that stops is cut at most this long after). */
const MAX_CREDIT_TIMEOUTS = 4;

/**
 * Checks in one write timeout: progress is read at each, and a reader is judged stalled only after
 * this many without progress, so a check that comes late (a busy process, whose clients could
 * not be written to either) is one check, not a timeout.
 */
const CHECKS = 4;

/**
 * A progress-based write timeout, one per answer (or per connection): while the writer waits for
 * its reader ({@link start} to {@link stop}), the reader is cut off ({@link start}'s `stalled`)
 * once its socket has taken nothing for `timeoutMs` and the bytes it has taken no longer cover the
 * time at {@link MIN_READ_BYTES_PER_SECOND}. `taken` counts the bytes taken so far (it only
 * grows); each byte buys 1/16384 s from when it is seen, at most `4 × timeoutMs` ahead, so a
 * reader that stops is cut at most that long after its last progress.
 *
 * Progress, not one `drain`: the operating system reports a slow reader's progress in bursts. On
 * Linux a socket whose send buffer (up to 4 MiB) is full becomes writable again only once about a
 * third of it has drained, so a reader of 47 KB/s showed progress once every 30 s, and a timeout
 * of 30 s that waited for one `drain` cut it off while it was reading. The bytes of each burst
 * (the first fill of the buffers too: nothing tells a reader that has not read yet from one that
 * reads slowly) carry the reader to the next one. `timeoutMs` 0 is no limit.
 */
export class WriteWatch {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stalled: (() => void) | undefined;
  /** `taken` at the last reading. */
  #last: number;
  /** When progress was last seen, or when the wait began. */
  #since = 0;
  /** Checks since {@link #since}. */
  #checks = 0;
  /** Until when what the reader took carries it (see {@link MIN_READ_BYTES_PER_SECOND}). */
  #creditUntil = 0;

  /** Counts from now: what `taken` holds already was taken before the answer. */
  constructor(
    /** The write timeout, in ms (0: none). */
    readonly timeoutMs: number,
    private readonly taken: () => number,
  ) {
    this.#last = taken();
  }

  /**
   * The writer waits for its reader: `stalled` runs once the reader has fallen behind, unless
   * {@link stop} comes first. Started again while it runs, only `stalled` is replaced.
   */
  start(stalled: () => void): void {
    if (this.timeoutMs <= 0) return;
    this.#stalled = stalled;
    if (this.#timer !== undefined) return;
    const now = Date.now();
    // What the socket took since the last reading (between two waits, or before the first) counts.
    this.#read(now);
    this.#since = now;
    this.#checks = 0;
    this.#arm();
  }

  /** The wait is over (the reader took what it waited for, or the writer stopped): what it took meanwhile counts. */
  stop(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#stalled = undefined;
    this.#read(Date.now());
  }

  #arm(): void {
    this.#timer = setTimeout(() => this.#check(), Math.max(1, this.timeoutMs / CHECKS));
  }

  #check(): void {
    this.#timer = undefined;
    const now = Date.now();
    this.#checks++;
    this.#read(now);
    if (this.#checks >= CHECKS && now >= Math.max(this.#since + this.timeoutMs, this.#creditUntil)) {
      const stalled = this.#stalled;
      this.#stalled = undefined;
      stalled?.();
      return;
    }
    this.#arm();
  }

  /** Reads `taken`: bytes taken since the last reading are progress, and buy time at the minimum rate. */
  #read(now: number): void {
    const taken = this.taken();
    const bytes = taken - this.#last;
    if (bytes <= 0) return;
    this.#last = taken;
    this.#since = now;
    this.#checks = 0;
    const bought = (bytes * 1000) / MIN_READ_BYTES_PER_SECOND;
    this.#creditUntil = Math.min(now + MAX_CREDIT_TIMEOUTS * this.timeoutMs, Math.max(this.#creditUntil, now) + bought);
  }
}
