import type { DirectFigures } from './direct-worker.js';
import { runWorker } from './measure.js';
import type { Row, ScenarioResult } from './report.js';

const WORKER = new URL('./direct-worker.js', import.meta.url);
const N = 1000;
const LIMIT = 1.25;

/**
 * Scenario 3a (issue 5): what references and the atomic failure policy cost over a plain batch, at
 * N=1000 through the direct transport. The plain figure is measured again here, in the same way,
 * so that the three are comparable; each runs in its own process.
 */
export async function featuresScenario(): Promise<ScenarioResult> {
  const plain = await runWorker<DirectFigures>(WORKER, ['direct', String(N), 'plain']);
  const rows: Row[] = [{ variant: 'plain', 'µs/sub': plain.usPerSub, 'vs plain': 1, ok: `${plain.ok}/${plain.total}` }];
  const targets = [];
  // references cost: PATCH/GET/DELETE name their Id as `${<index of the POST>/body/Id}`.
  // atomic mode cost: the same plain batch sent to /rest/batch?onFail=atomic (every write journaled).
  for (const [variant, label] of [
    ['references', 'references cost'],
    ['atomic', 'atomic mode cost'],
  ] as const) {
    const f = await runWorker<DirectFigures>(WORKER, ['direct', String(N), variant]);
    const ratio = f.usPerSub / plain.usPerSub;
    // A variant whose calls mostly fail measures failures, not the feature: it is reported, not judged.
    const works = f.ok >= 0.9 * f.total;
    rows.push({ variant, 'µs/sub': f.usPerSub, 'vs plain': ratio, ok: `${f.ok}/${f.total}` });
    targets.push({
      name: `${label}, N=${N}`,
      goal: `≤ ${Math.round((LIMIT - 1) * 100)}% over plain`,
      actual: works ? `+${((ratio - 1) * 100).toFixed(0)}%` : `only ${f.ok}/${f.total} succeeded`,
      pass: works ? ratio <= LIMIT : undefined,
    });
  }
  return {
    name: 'Scenario 3a — references and atomic mode vs a plain batch, direct transport, N=1000 (issue 5)',
    rows,
    targets,
    notes: ['Each variant in a fresh process, median of repetitions after warm-up, as in scenario 1.'],
  };
}
