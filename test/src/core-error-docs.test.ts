import { readFileSync } from 'node:fs';
import { ERROR_CODES, ERROR_STATUS, statusOf } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const DOC = new URL('../../docs/errors.md', import.meta.url);

/** The rows `| CODE | status | meaning |` of docs/errors.md, codes with or without backticks. */
function documentedCodes(): Array<{ code: string; status: number; meaning: string }> {
  const rows: Array<{ code: string; status: number; meaning: string }> = [];
  for (const line of readFileSync(DOC, 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 5) continue;
    const code = cells[1]!.replace(/`/g, '');
    if (!/^[A-Z][A-Z0-9_]+$/.test(code)) continue;
    rows.push({ code, status: Number(cells[2]), meaning: cells[3]! });
  }
  return rows;
}

test('docs/errors.md lists every error code exactly once', () => {
  const documented = documentedCodes().map((r) => r.code);
  assert.equal([...documented].sort(), [...ERROR_CODES].sort());
  assert.is(new Set(documented).size, documented.length, 'no code is listed twice');
});

test('docs/errors.md gives each code the status of the code table', () => {
  for (const row of documentedCodes()) {
    assert.is(row.status, ERROR_STATUS[row.code as keyof typeof ERROR_STATUS], row.code);
    assert.is(row.status, statusOf(row.code as keyof typeof ERROR_STATUS));
  }
});

test('docs/errors.md explains every code', () => {
  for (const row of documentedCodes()) assert.ok(row.meaning.length >= 20, `${row.code} needs a meaning`);
});

test.run();
