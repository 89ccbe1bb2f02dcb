/** One row of a scenario's table: a label and named figures (numbers, text or absent). */
export type Row = Record<string, string | number | undefined>;

/** One target and whether the run met it. */
export interface Target {
  name: string;
  goal: string;
  actual: string;
  pass: boolean | undefined;
}

/** What a scenario hands back: a table, its targets, and notes such as "skipped: ...". */
export interface ScenarioResult {
  name: string;
  rows: Row[];
  targets: Target[];
  notes: string[];
  /** Further figures for the scenario's own results file (the abuse scenario's per-attack figures). */
  details?: unknown;
}

/** Formats a number for a table: three significant digits, integers as they are. */
export function fmt(value: string | number | undefined): string {
  if (value === undefined) return '-';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return 'n/a';
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** Prints a scenario as an aligned text table, then its targets with PASS/FAIL. */
export function printScenario(result: ScenarioResult): void {
  console.log(`\n== ${result.name}`);
  if (result.rows.length > 0) {
    const columns = [...new Set(result.rows.flatMap((row) => Object.keys(row)))];
    const cells = result.rows.map((row) => columns.map((c) => fmt(row[c])));
    const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] as string).length)));
    // Text columns (an attack's name, its outcome) read better left-aligned; figures stay right-aligned.
    const text = columns.map((c) => result.rows.some((row) => typeof row[c] === 'string' && !/^[\d./ -]+$/.test(row[c] as string)));
    const pad = (v: string, i: number) => (text[i] ? v.padEnd(widths[i] as number) : v.padStart(widths[i] as number));
    console.log(columns.map(pad).join('  ').trimEnd());
    for (const r of cells) console.log(r.map(pad).join('  ').trimEnd());
  }
  for (const t of result.targets) {
    const verdict = t.pass === undefined ? 'SKIP' : t.pass ? 'PASS' : 'FAIL';
    console.log(`  ${verdict}  ${t.name}: ${t.actual} (target ${t.goal})`);
  }
  for (const note of result.notes) console.log(`  note: ${note}`);
}
