/**
 * npm run bench:mi — the mutual-information estimator on one ImageNet-sized group (1040 fitting rows x 2048
 * features, ReLU(uniform) values with a quarter exact zeros, 20% failures), against a plain-C version of the same
 * algorithm (bench/mi-native-reference.c, compiled with the system's cc -O2) on the same matrix in the same run.
 * Answers how far the TypeScript is from native code, i.e. what a WebAssembly or native-addon port could gain.
 *
 *   npm run bench:mi [-- --rows 1040] [--cols 2048] [--repeats 5]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mutualInfoClassif } from '../src/discover/mutual-information.js';
import { numberFlag } from './resnet50.js';
import { xorshift32 } from './xorshift.js';

const rows = numberFlag('--rows', 1040);
const cols = numberFlag('--cols', 2048);
const repeats = numberFlag('--repeats', 5);

const rand = xorshift32();
const X = new Float32Array(rows * cols);
for (let i = 0; i < X.length; i++) X[i] = Math.max(0, rand() * 2 - 0.5);
const y = new Uint8Array(rows);
for (let i = 0; i < rows; i++) y[i] = rand() < 0.2 ? 1 : 0;

let best = Infinity;
let ours: Float64Array = new Float64Array(0);
for (let r = 0; r < repeats; r++) {
  const t = performance.now();
  ours = mutualInfoClassif(X, rows, cols, y, { noise: { kind: 'jitter', seed: 0 } });
  best = Math.min(best, performance.now() - t);
}
const perPoint = (ms: number): string => ((ms * 1e6) / (rows * cols)).toFixed(0);
console.log(
  `faultline (TypeScript): ${best.toFixed(0)} ms for ${rows} x ${cols} (best of ${repeats}), ` +
    `${perPoint(best)} ns per value`,
);

const work = mkdtempSync(join(tmpdir(), 'faultline-bench-mi-'));
try {
  const cc = spawnSync('cc', ['--version']).status === 0 ? 'cc' : undefined;
  if (!cc) {
    console.log('native reference skipped: no C compiler (cc) on PATH');
  } else {
    const exe = join(work, 'mi-ref');
    execFileSync(cc, ['-O2', '-o', exe, join('bench', 'mi-native-reference.c'), '-lm']);
    writeFileSync(join(work, 'x.f32'), Buffer.from(X.buffer));
    writeFileSync(join(work, 'y.u8'), y);
    const ms = Number(
      execFileSync(exe, [
        String(rows),
        String(cols),
        join(work, 'x.f32'),
        join(work, 'y.u8'),
        join(work, 'mi.f64'),
        String(repeats),
      ]).toString(),
    );
    const raw = readFileSync(join(work, 'mi.f64'));
    const native = new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    let maxDiff = 0;
    for (let j = 0; j < cols; j++) maxDiff = Math.max(maxDiff, Math.abs(native[j] - ours[j]));
    console.log(`native C (${cc} -O2): ${ms.toFixed(0)} ms, ${perPoint(ms)} ns per value`);
    console.log(
      `  TypeScript / C = ${(best / ms).toFixed(2)}; largest MI difference ${maxDiff.toExponential(1)} ` +
        `(C scales with plain sums, TypeScript with numpy's pairwise sums)`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
