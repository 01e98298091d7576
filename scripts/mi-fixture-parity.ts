/**
 * Prints the largest absolute difference between faultline's mutual information and scikit-learn's on each stored
 * fixture (test/fixtures/discover/mi.json, float64 input, written by scripts/sklearn-fixtures.py):
 *
 *     npx tsx scripts/mi-fixture-parity.ts
 *
 * The figure docs/discovery-schema.md quotes; src/discover/mutual-information.test.ts holds every case to
 * MI_SKLEARN_TOLERANCE.
 */
import { readFileSync } from 'node:fs';
import { mutualInfoClassif } from '../src/discover/mutual-information.js';

interface MiCase {
  name: string;
  noise: 'none' | 'sklearn-seed-0';
  rows: number;
  cols: number;
  X: number[];
  y: number[];
  mi: number[];
}

const file = new URL('../test/fixtures/discover/mi.json', import.meta.url);
const { cases } = JSON.parse(readFileSync(file, 'utf8')) as { cases: MiCase[] };
let worst = 0;
for (const c of cases) {
  const noise = c.noise === 'none' ? ({ kind: 'none' } as const) : ({ kind: 'sklearn', seed: 0 } as const);
  const mi = mutualInfoClassif(Float64Array.from(c.X), c.rows, c.cols, c.y, { noise });
  let max = 0;
  for (let j = 0; j < c.cols; j++) max = Math.max(max, Math.abs(mi[j] - c.mi[j]));
  worst = Math.max(worst, max);
  console.log(`${c.name}: ${max.toExponential(2)}`);
}
console.log(`max over ${cases.length} fixtures: ${worst.toExponential(2)}`);
