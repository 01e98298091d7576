/**
 * npm run bench:attack — cost of the feature attack: one input-gradient step of a ResNet-50-shaped model (random
 * weights), 224 px, batch 5, through the ONNX autodiff graph in onnxruntime-node; compared with PyTorch autograd on
 * the same weights when a Python with torch + onnx is available (FAULTLINE_TORCH_PYTHON or /work/torchenv).
 * Target: <= 0.15 s per image-step on 2 cores.
 *
 *   npm run bench:attack -- [--steps 100] [--batch 5] [--threads N] [--torch-steps 5]
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { BENCH_CACHE, cachedResnet50, numberFlag } from './resnet50.js';
import { attackFeature } from '../src/explain/attack.js';
import { FeatureGradient } from '../src/explain/autodiff/session.js';

const steps = numberFlag('--steps', 100);
const batch = numberFlag('--batch', 5);
const threads = numberFlag('--threads', availableParallelism());
const torchSteps = numberFlag('--torch-steps', 5);

const cache = BENCH_CACHE;
const modelFile = cachedResnet50();

let t = performance.now();
const gradient = await FeatureGradient.open(modelFile, { features: 'features', cacheDir: cache, threads });
console.log(`gradient model ready in ${((performance.now() - t) / 1000).toFixed(1)} s (${gradient.file})`);

const images = Float32Array.from(
  { length: batch * gradient.imageSize },
  (_, i) => (Math.sin(i * 0.013) + 1) / 2,
);
// Warm-up run (onnxruntime allocates its arenas on the first call).
await gradient.run(images, new Float32Array(batch * gradient.featureCount));

t = performance.now();
const cpu = process.cpuUsage();
const result = await attackFeature(gradient, images, {
  feature: 7,
  steps,
  onStep: (done, total) => {
    if (process.stderr.isTTY) process.stderr.write(`\rstep ${done}/${total}`);
  },
});
const seconds = (performance.now() - t) / 1000;
const cpuUsed = process.cpuUsage(cpu);
const cpuSeconds = (cpuUsed.user + cpuUsed.system) / 1e6;
if (process.stderr.isTTY) process.stderr.write('\n');
await gradient.release();
// attackFeature makes steps + 1 runs (the last one reads the final feature values).
const perStep = seconds / (steps + 1);
console.log(`onnxruntime-node autodiff: batch ${batch}, ${steps} steps, ${threads} threads`);
console.log(
  `  ${perStep.toFixed(3)} s per step, ${(perStep / batch).toFixed(3)} s per image-step (target <= 0.15)`,
);
// On a shared machine the wall clock also counts other processes' time; CPU seconds / threads is what the same
// work takes on idle cores.
const cpuPerStep = cpuSeconds / (steps + 1);
console.log(
  `  CPU: ${cpuPerStep.toFixed(3)} CPU-s per step = ${(cpuPerStep / threads / batch).toFixed(3)} s per image-step ` +
    `on ${threads} idle cores (load average now ${loadavg()[0].toFixed(1)})`,
);
console.log(
  `  feature 7: ${Array.from(result.before, (v) => v.toFixed(3)).join(', ')} -> ${Array.from(result.after, (v) => v.toFixed(3)).join(', ')}`,
);

const python = process.env.FAULTLINE_TORCH_PYTHON ?? '/work/torchenv/bin/python';
let torchLine = 'PyTorch comparison skipped: no Python with torch and onnx (set FAULTLINE_TORCH_PYTHON)';
if (existsSync(python)) {
  try {
    const script = join(import.meta.dirname, '..', 'scripts', 'explain', 'torch-attack-bench.py');
    const out = execFileSync(
      python,
      [script, modelFile, 'features', String(batch), String(torchSteps), String(threads)],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const torch = JSON.parse(out.trim().split('\n').pop() ?? '{}') as {
      secondsPerStep: number;
      cpuSecondsPerStep: number;
      torch: string;
    };
    torchLine =
      `PyTorch ${torch.torch} autograd, same weights: ${torch.secondsPerStep.toFixed(3)} s per step, ` +
      `${torch.cpuSecondsPerStep.toFixed(3)} CPU-s per step (${torchSteps} steps)\n` +
      `onnxruntime / PyTorch time ratio: ${(perStep / torch.secondsPerStep).toFixed(2)} wall, ` +
      `${(cpuPerStep / torch.cpuSecondsPerStep).toFixed(2)} CPU`;
  } catch (error) {
    torchLine = `PyTorch comparison failed: ${String(error).split('\n')[0]}`;
  }
}
console.log(torchLine);
