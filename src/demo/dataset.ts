/**
 * Generates a demo dataset: N scenes per class from one distribution and one seed, written as an image folder
 * (`root/<split>/<class>/*.png`, what `faultline extract --data` reads), a manifest, attributes.csv (the ground
 * truth) and, for training, one uint8 images.npy. Every image is drawn from its own seed mixSeed(seed, index),
 * so the output does not depend on the order or concurrency of rendering.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { writeFileAtomic, writeJson } from '../run/tables.js';
import { ATTRIBUTE_COLUMNS, attributeRow, DEMO_CLASSES, type SceneRecord } from './attributes.js';
import { mixSeed } from './prng.js';
import { encodeScenePng, renderScene } from './render.js';
import { sampleScene, type SceneDistribution } from './sampler.js';

/**
 * Bump when a change to the generator changes pixels, labels or the files written, so caches are rebuilt.
 * 2: attributes.csv has a `label` column (planted annotation errors in train-biased).
 */
export const GENERATOR_VERSION = 2;

export interface DatasetOptions {
  seed: number;
  distribution: SceneDistribution;
  perClass: number;
  /** Image side in pixels (square images). */
  size: number;
  /** Of every 10 images of a class, how many go to the held-out 'val' split (0 = no split folders). */
  valPerTen: number;
  /** Write root/<split>/<class>/*.png (for faultline) and/or images.npy (for training). */
  png: boolean;
  npy: boolean;
  /** Called after each image, e.g. for a progress bar. */
  onImage?: (done: number, total: number) => void;
}

export interface DatasetSummary {
  format: 'faultline-demo-dataset/1';
  generatorVersion: number;
  seed: number;
  distribution: string;
  perClass: number;
  size: number;
  classes: string[];
  images: number;
}

/** The records (attributes, ids and splits) of a dataset, without drawing anything. */
export function planDataset(
  o: Pick<DatasetOptions, 'seed' | 'distribution' | 'perClass' | 'valPerTen'>,
): SceneRecord[] {
  const records: SceneRecord[] = [];
  let index = 0;
  for (let k = 0; k < o.perClass; k++) {
    for (const cls of DEMO_CLASSES) {
      const seed = mixSeed(o.seed, index);
      const a = sampleScene(cls, o.distribution, seed);
      const label = o.distribution.relabel?.(a) ?? cls;
      const split = o.valPerTen === 0 ? '' : k % 10 < o.valPerTen ? 'val' : 'train';
      // The folder and the manifest carry the annotated label, as a real dataset would.
      const name = `${label}-${String(index).padStart(5, '0')}.png`;
      const id = split ? `${split}/${label}/${name}` : `${label}/${name}`;
      records.push({ ...a, label, id, split, index, objectArea: 0, occludedFraction: 0 });
      index++;
    }
  }
  return records;
}

/** Minimal .npy header for a C-order uint8 array of the given shape. */
function uint8NpyHeader(shape: number[]): Buffer {
  const dict = `{'descr': '|u1', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  const unpadded = 10 + dict.length + 1;
  const header = dict + ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const buf = Buffer.alloc(10 + header.length);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(buf, 0);
  buf.writeUInt16LE(header.length, 8);
  buf.write(header, 10, 'latin1');
  return buf;
}

/** Renders and writes the dataset into `root` (created if needed); returns the records with measurements. */
export async function generateDataset(root: string, o: DatasetOptions): Promise<SceneRecord[]> {
  mkdirSync(root, { recursive: true });
  const records = planDataset(o);
  const px = o.size * o.size * 3;
  const npyFile = join(root, 'images.npy');
  const fd = o.npy ? openSync(`${npyFile}.tmp`, 'w') : -1;
  const header = uint8NpyHeader([records.length, o.size, o.size, 3]);
  if (o.npy) writeSync(fd, header, 0, header.length, 0);
  let done = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < records.length) {
      const r = records[next++];
      const scene = await renderScene(r, o.size, o.size);
      r.objectArea = scene.measurements.objectArea;
      r.occludedFraction = scene.measurements.occludedFraction;
      if (o.png) {
        const file = join(root, r.id);
        mkdirSync(dirname(file), { recursive: true });
        writeFileAtomic(file, await encodeScenePng(scene));
      }
      if (o.npy) writeSync(fd, scene.rgb, 0, px, header.length + r.index * px);
      o.onImage?.(++done, records.length);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  if (o.npy) {
    closeSync(fd);
    renameSync(`${npyFile}.tmp`, npyFile);
  }
  writeFileAtomic(
    join(root, 'attributes.csv'),
    stringify(records.map(attributeRow), { header: true, columns: [...ATTRIBUTE_COLUMNS] }),
  );
  if (o.png) {
    writeFileAtomic(
      join(root, 'manifest.csv'),
      stringify(
        records.map((r) => [r.id, r.label, r.split]),
        { header: true, columns: ['path', 'label', 'split'] },
      ),
    );
  }
  // Written last: its presence marks a complete dataset (see isDatasetComplete).
  const summary: DatasetSummary = {
    format: 'faultline-demo-dataset/1',
    generatorVersion: GENERATOR_VERSION,
    seed: o.seed,
    distribution: o.distribution.name,
    perClass: o.perClass,
    size: o.size,
    classes: [...DEMO_CLASSES],
    images: records.length,
  };
  writeJson(join(root, 'dataset.json'), summary);
  return records;
}

/** True when `root` holds a finished dataset written by this generator version (older caches are rebuilt). */
export function isDatasetComplete(root: string): boolean {
  const file = join(root, 'dataset.json');
  if (!existsSync(file)) return false;
  try {
    const summary = JSON.parse(readFileSync(file, 'utf8')) as Partial<DatasetSummary>;
    return summary.generatorVersion === GENERATOR_VERSION;
  } catch {
    return false;
  }
}
