import type { VariantFigures } from './features-worker.js';
import { runWorker } from './measure.js';
import type { Row, ScenarioResult } from './report.js';

const WORKER = new URL('./features-worker.js', import.meta.url);
const N = 1000;
const LIMIT = 1.25;

/**
 * Scenario 3a (issue 5): what references and the atomic failure policy cost over a plain batch, at
 * N=1000 through the direct transport. The owners of references and atomic groups tune against it.
 */
export async function featuresScenario(): Promise<ScenarioResult> {
  const figures = await runWorker<VariantFigures[]>(WORKER, [String(N)]);
  const plain = figures.find((f) => f.variant === 'plain') as VariantFigures;
  const rows: Row[] = [];
  const targets = [];
  for (const f of figures) {
    const ratio = f.usPerSub / plain.usPerSub;
    rows.push({ variant: f.variant, 'µs/sub': f.usPerSub, 'vs plain': ratio, ok: `${f.ok}/${f.total}` });
    if (f.variant === 'plain') continue;
    // A variant whose calls mostly fail measures failures, not the feature: it is reported, not judged.
    const works = f.ok >= 0.9 * f.total;
    targets.push({
      name: `${f.variant === 'references' ? 'references cost' : 'atomic mode cost'}, N=${N}`,
      goal: `≤ ${Math.round((LIMIT - 1) * 100)}% over plain`,
      actual: works ? `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(0)}%` : `only ${f.ok}/${f.total} succeeded`,
      pass: works ? ratio <= LIMIT : undefined,
    });
  }
  return {
    name: 'Scenario 3a — references and atomic mode vs a plain batch, direct transport, N=1000 (issue 5)',
    rows,
    targets,
    notes: [
      'references: each PATCH, GET and DELETE names its Id as `${<index of the POST>/body/Id}`; atomic: the plain batch sent to /rest/batch?onFail=atomic.',
      'The three run in one fresh process, in turns, so that other load weighs on them alike; median of repetitions after warm-up.',
    ],
  };
}
