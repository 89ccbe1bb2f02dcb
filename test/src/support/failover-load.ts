import type { RedisSessionStore } from '@restbatch/redis';
import type { DirectCaller } from '@restbatch/direct';
import * as assert from 'uvu/assert';
import { SEED_BATCH } from './exago-engine.js';
import { sleep, until } from './example-nodes.js';

type Item = { ReturnCode: string; ResponseContent: Record<string, unknown> & { Id?: string; code?: string } };

/** One seed batch sent during a failover: the phase it was answered in and its items. */
export interface Outcome {
  phase: string;
  items: Item[];
}

/**
 * Seed batches sent without pause by `workers` loops across `callers` (the nodes) while `during`
 * fails Redis over; `phase()` names the moment each answer came in.
 */
export class FailoverLoad {
  readonly outcomes: Outcome[] = [];
  phase = 'before';
  #running = true;
  readonly #loops: Promise<void>[];

  constructor(callers: DirectCaller[], workers = 8) {
    this.#loops = Array.from({ length: workers }, async (_, worker) => {
      while (this.#running) {
        const res = await (callers[worker % callers.length] as DirectCaller)({ url: '/rest/batch', body: SEED_BATCH });
        this.outcomes.push({ phase: this.phase, items: res.body as Item[] });
        await sleep(2);
      }
    });
  }

  /** Batches of `phase` answered all 2xx. */
  succeeded(phase?: string): Outcome[] {
    return this.outcomes.filter((o) => (phase === undefined || o.phase === phase) && o.items.every((i) => Number(i.ReturnCode) < 400));
  }

  /** Waits until `count` batches of the current phase succeeded. */
  async successes(count: number, limitMs = 20_000): Promise<void> {
    const phase = this.phase;
    await until(() => this.succeeded(phase).length >= count, limitMs);
  }

  /** Stops the loops and waits for the answers in flight. */
  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
  }

  /**
   * What a failover may answer: a sub-request is a success, or 503 `STORE_UNAVAILABLE` (not
   * stored), or 401 after the batch's session could not be created; and every batch answered as a
   * success is in Redis whole (read back through `store`): no acknowledged write was lost. With
   * `failures` `'allowed'` (a coordinated failover may go unnoticed), none need have failed.
   */
  async check(store: RedisSessionStore, failures: 'expected' | 'allowed' = 'expected'): Promise<void> {
    for (const o of this.outcomes) {
      const codes = o.items.map((i) => i.ResponseContent.code ?? i.ReturnCode);
      for (const item of o.items) {
        if (Number(item.ReturnCode) < 400) continue;
        const code = item.ResponseContent.code;
        // Without the batch's session (its creation failed), what follows has no session to run in.
        const sessionless = (code === 'SESSION_REQUIRED' || code === 'SESSION_NOT_FOUND') && Number(o.items[0]!.ReturnCode) >= 400;
        const fine = code === 'STORE_UNAVAILABLE' || sessionless;
        assert.ok(fine, `unexpected answer during failover: ${JSON.stringify(codes)}`);
        if (code === 'STORE_UNAVAILABLE') assert.is(item.ReturnCode, '503');
      }
    }
    const acknowledged = this.succeeded();
    if (failures === 'expected') {
      assert.ok(this.outcomes.length > acknowledged.length, 'the failover made no sub-request fail: the test proves nothing');
    }
    for (const o of acknowledged) {
      const sid = o.items[0]!.ResponseContent.Id!;
      assert.ok((await store.load(sid, 60_000)) !== undefined, `session ${sid} was acknowledged, then lost`);
      // PATCH Roles/MyRole {IsActive: true} stores the active role in meta/activeRole.
      assert.is(await store.get(sid, 'meta', 'activeRole'), 'MyRole', `active role of ${sid} (answered ${o.phase}) lost`);
      assert.equal(await store.get(sid, 'roles', 'MyRole'), { Id: 'MyRole' }, `role of ${sid} lost`);
      assert.ok((await store.get(sid, 'parameters', 'MyParameter')) !== undefined, `parameter of ${sid} lost`);
    }
  }
}
