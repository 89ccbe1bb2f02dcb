import { jsonStringLength } from './json-string-length.js';

/** Positions in an object whose last key, and last string value, are remembered. */
const SLOTS = 32;
/** Longer strings are not remembered (a memo must not keep a large string alive); they are searched natively anyway. */
const REMEMBER_BELOW = 64;
// The string last measured at each position and its jsonStringLength: keys and values apart, each
// array only ever holding strings, so that V8 compares them by identity where it can.
const keys = new Array<string>(SLOTS).fill('');
const keyLengths = new Array<number>(SLOTS).fill(2);
const values = new Array<string>(SLOTS).fill('');
const valueLengths = new Array<number>(SLOTS).fill(2);

/**
 * {@link jsonStringLength} of an object's key, `position` its place among the object's members.
 * Records of one shape list the same key strings in the same order (V8 keeps one string per
 * property name), so the key at a position is mostly the one measured there last: it is found by
 * identity, where scanning it reads every character (most of what measuring a small record costs).
 * A memo of a pure function and nothing more: a string equal to the one remembered has its length,
 * so no caller, engine or store can tell it is there.
 */
export function keyLength(key: string, position: number): number {
  if (position >= SLOTS) return jsonStringLength(key);
  if (keys[position] === key) return keyLengths[position] as number;
  const length = jsonStringLength(key);
  if (key.length < REMEMBER_BELOW) {
    keys[position] = key;
    keyLengths[position] = length;
  }
  return length;
}

/**
 * {@link jsonStringLength} of the string value of an object's member at `position`, remembered as
 * {@link keyLength} remembers keys: records of one shape often repeat a value at a place (a type
 * name, a default), and JSON.parse makes one string of each short value it reads again.
 */
export function valueLength(value: string, position: number): number {
  if (position >= SLOTS) return jsonStringLength(value);
  if (values[position] === value) return valueLengths[position] as number;
  const length = jsonStringLength(value);
  if (value.length < REMEMBER_BELOW) {
    values[position] = value;
    valueLengths[position] = length;
  }
  return length;
}
