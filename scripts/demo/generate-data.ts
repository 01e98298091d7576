/**
 * Generates the demo datasets into .cache/demo/<name>/ (not committed) and prints the SHA-256 of each
 * images.npy / attributes.csv, which models/demo/README.md records next to the trained models.
 *
 *   npx tsx scripts/demo/generate-data.ts [train-biased train-balanced eval-balanced]
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_DATASETS, DEMO_IMAGE_SIZE } from '../../src/demo/config.js';
import { generateDataset, isDatasetComplete } from '../../src/demo/dataset.js';

const CACHE = join('.cache', 'demo');

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  for (const recipe of Object.values(DEMO_DATASETS)) {
    if (wanted.length > 0 && !wanted.includes(recipe.name)) continue;
    const root = join(CACHE, recipe.name);
    const t0 = Date.now();
    if (!isDatasetComplete(root)) {
      await generateDataset(root, { ...recipe, size: DEMO_IMAGE_SIZE });
    }
    const seconds = ((Date.now() - t0) / 1000).toFixed(1);
    console.log(`${recipe.name}: ${root} (${seconds} s)`);
    for (const f of ['images.npy', 'attributes.csv']) {
      const file = join(root, f);
      if (existsSync(file)) console.log(`  sha256 ${f} ${sha256(file)}`);
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
