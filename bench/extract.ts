/**
 * npm run bench:extract — is extraction limited by the model, as it should be?
 * Prints model-alone throughput (pre-decoded batches), full-pipeline throughput (JPEG decode + preprocessing +
 * inference + writing a run, via extractRun) on the same ResNet-50-shaped model, and their ratio.
 * Target: pipeline >= 85% of model-alone at batch 8.
 *
 *   npm run bench:extract -- [--images 160] [--batch 8]
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { BENCH_CACHE, cachedResnet50, numberFlag } from './resnet50.js';
import { closeModel, loadModel, runBatch } from '../src/inference/model.js';
import { loadImageRgb, toInputTensor } from '../src/image/preprocess.js';
import { extractRun } from '../src/extract/extract.js';

const images = numberFlag('--images', 160);
const batch = numberFlag('--batch', 8);
const cache = BENCH_CACHE;
const modelFile = cachedResnet50();

// JPEGs: real photos from ../shared when present (500x375-ish ImageNet sizes vary), else generated ones.
const data = join(cache, `jpegs-${images}`);
const imagenette = join(process.cwd(), '..', 'shared', 'data', 'imagenette', 'val');
if (!existsSync(data)) {
  mkdirSync(join(data, 'all'), { recursive: true });
  const real = existsSync(imagenette)
    ? readdirSync(imagenette).flatMap((d) =>
        readdirSync(join(imagenette, d)).map((f) => join(imagenette, d, f)),
      )
    : [];
  for (let i = 0; i < images; i++) {
    const target = join(data, 'all', `img-${String(i).padStart(5, '0')}.jpg`);
    if (real.length > 0) {
      writeFileSync(
        target,
        await sharp(real[(i * 37) % real.length])
          .resize(500, 375)
          .jpeg({ quality: 90 })
          .toBuffer(),
      );
    } else {
      const noise = Buffer.alloc(500 * 375 * 3);
      for (let p = 0; p < noise.length; p++) noise[p] = (p * 2654435761 + i * 97) >>> 24;
      writeFileSync(
        target,
        await sharp(noise, { raw: { width: 500, height: 375, channels: 3 } })
          .jpeg()
          .toBuffer(),
      );
    }
  }
}
const source = existsSync(imagenette) ? 'Imagenette photos re-encoded at 500x375' : 'generated 500x375 JPEGs';

const model = await loadModel(modelFile, { role: 'robust', preprocess: 'crop' });
const spec = model.spec.preprocess;
const sample = await loadImageRgb(join(data, 'all', 'img-00000.jpg'), spec);
const tensor = toInputTensor(
  Array.from({ length: batch }, () => sample),
  spec,
);
await runBatch(model, tensor, batch, ['features']); // warm-up

// Model-alone throughput is measured before and after the pipeline run and averaged, so a change in machine
// load during the benchmark shows up in both numbers instead of only one.
async function modelAloneRate(): Promise<number> {
  const t = performance.now();
  for (let done = 0; done < images; done += batch) await runBatch(model, tensor, batch, ['features']);
  return images / ((performance.now() - t) / 1000);
}
const before = await modelAloneRate();

// A run needs predictions; this benchmark measures feature extraction, so they come from a file.
const predictionsFile = join(cache, `predictions-${images}.csv`);
writeFileSync(
  predictionsFile,
  ['path,prediction', ...readdirSync(join(data, 'all')).map((f) => `all/${f},all`)].join('\n') + '\n',
);
const out = join(cache, 'run');
rmSync(out, { recursive: true, force: true });
// Time the image loop only (from the first progress report to the last), not model loading or hashing.
let loopStart = 0;
let loopEnd = 0;
await extractRun(
  {
    data,
    out,
    robust: modelFile,
    predictions: predictionsFile,
    batchSize: batch,
    chunkSize: batch * 8,
    kind: 'folder',
  },
  {
    update(done, total) {
      if (done === 0) loopStart = performance.now();
      if (done === total) loopEnd = performance.now();
    },
    stop() {},
  },
);
const pipeline = images / ((loopEnd - loopStart) / 1000);
const after = await modelAloneRate();
await closeModel(model);
const modelAlone = (before + after) / 2;

console.log(`ResNet-50-shaped model, 224 px, batch ${batch}, ${images} images (${source})`);
console.log(
  `model alone       ${modelAlone.toFixed(1)} img/s  (before ${before.toFixed(1)}, after ${after.toFixed(1)})`,
);
console.log(
  `full pipeline     ${pipeline.toFixed(1)} img/s  (decode + resize/crop + inference + run directory)`,
);
console.log(`ratio             ${(pipeline / modelAlone).toFixed(3)}  (target >= 0.85)`);
