// The JSON size of a value, as budgets and session caps count it, is exactly the length of what
// JSON.stringify writes (ECMA-262 §25.5.2.3 QuoteJSONString: `"` and `\` and \b \f \n \r \t take
// two, other control characters and lone surrogates six). The measures remember the last key and
// string value seen at each position of a record, so records of one shape are not scanned again:
// these records change keys and values at the same positions between equal-length strings that
// escape differently, equal strings that are not the same string, long strings and nested records,
// and every measure must still agree with JSON.stringify.
import { deepFreeze, type JsonValue, MemorySessionStore, memberSize, snapshot } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

/** Strings that measure alike by their length and not by their JSON: two units each, from 4 to 14 characters of JSON. */
const PAIRS = ['ab', 'a"', 'a\\', 'a\n', 'a\u0001', '\u0001\u0002', 'é€', '\ud83d\ude00', 'a\ud800', '\udc00a'];
const TEXTS = [...PAIRS, 'Id', 'Name', 'String', 'Enter a value', '', 'x'.repeat(70), `${'y'.repeat(70)}\u0001`, '"'.repeat(20)];

/** A small deterministic generator (mulberry32), so that a failure repeats. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(next: () => number, from: readonly T[]): T {
  return from[Math.floor(next() * from.length)] as T;
}

/** The same text as a string of its own (not the one in TEXTS): equal, not identical. */
function copyOf(text: string): string {
  return text.split('').join('');
}

function value(next: () => number, depth: number): JsonValue {
  const r = next();
  if (r < 0.45) return next() < 0.5 ? pick(next, TEXTS) : copyOf(pick(next, TEXTS));
  if (r < 0.55) return Math.floor(next() * 1000) - 500;
  if (r < 0.6) return next() < 0.5;
  if (r < 0.65) return null;
  if (r < 0.8 && depth < 3) return Array.from({ length: Math.floor(next() * 4) }, () => value(next, depth + 1));
  if (depth < 3) return record(next, depth + 1);
  return pick(next, TEXTS);
}

/** A record of up to 40 members (past the 32 positions remembered), keys from TEXTS at each position. */
function record(next: () => number, depth: number): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  const members = Math.floor(next() * (depth === 0 ? 40 : 5));
  for (let i = 0; i < members; i++) {
    const key = `${next() < 0.8 ? pick(next, TEXTS) : copyOf(pick(next, TEXTS))}${next() < 0.5 ? '' : i}`;
    out[key] = value(next, depth);
  }
  return out;
}

const json = (v: unknown) => (JSON.stringify(v) as string).length;

test('every measure of 3000 records whose keys and values change at each position agrees with JSON.stringify', async () => {
  const next = random(20261201);
  // A session cap of one character refuses every write, naming the size the session would have
  // (maxSessionBytes counts JSON characters; the store's `bytes` count heap).
  const store = new MemorySessionStore({ maxSessionBytes: 1 });
  const id = await store.create({}, { ttlMs: 60_000 });
  const wouldBe = async (key: string, v: JsonValue): Promise<number> => {
    const error = await store.set(id, 'c', key, v).then(
      () => undefined,
      (e: Error) => e,
    );
    const size = /make it (\d+) bytes/.exec(error?.message ?? '')?.[1];
    assert.ok(size !== undefined, `a write of ${key} was refused naming its size: ${error?.message}`);
    return Number(size);
  };
  for (let n = 0; n < 3000; n++) {
    const rec = record(next, 0);
    const expected = json(rec);
    const label = `record ${n}: ${JSON.stringify(rec).slice(0, 200)}`;
    // The copy walk (a result that is not frozen), then the same record frozen (shared, measured).
    assert.is(snapshot(rec).size, expected, label);
    assert.is(memberSize(`k${n}`, rec), json(`k${n}`) + 1 + expected + 1, label);
    // The store freezes what it keeps and counts it in the same walk: the record against null.
    assert.is((await wouldBe(`k${n}`, rec)) - (await wouldBe(`k${n}`, null)), expected - 4, label);
    assert.is(snapshot(deepFreeze(rec)).size, expected, label);
  }
});

test.run();
