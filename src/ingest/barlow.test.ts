import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTree, removeTrees } from '../../test/fixtures/ingest/tree.js';
import { imagenetClasses, ingestDataset } from './index.js';

afterAll(removeTrees);

const WATER_JUG = fileURLToPath(new URL('../../../shared/data/barlow-water-jug', import.meta.url));

describe('Barlow metadata.csv', () => {
  it('reads full synonym names with quoted commas into the ImageNet label space', async () => {
    const csv = [
      'Filenames,Predictions,Labels',
      '0.jpg,nipple,water jug',
      '1.jpg,"bucket, pail",water jug',
      '2.jpg,water jug,water jug',
      '3.jpg,"maillot",water jug',
      '4.jpg,"maillot, tank suit",water jug',
    ].join('\n');
    const root = makeTree([
      'images/0.jpg',
      'images/1.jpg',
      'images/2.jpg',
      'images/3.jpg',
      'images/4.jpg',
      ['metadata.csv', csv],
    ]);
    const data = await ingestDataset(root);
    expect(data.kind).toBe('barlow-metadata');
    expect(data.root).toBe(join(root, 'images'));
    expect(data.source).toBe(join(root, 'metadata.csv'));
    expect(data.classes).toHaveLength(1000);
    expect(data.samples.map((s) => [s.id, s.label, s.labelName])).toEqual([
      ['0.jpg', 899, 'water_jug'],
      ['1.jpg', 899, 'water_jug'],
      ['2.jpg', 899, 'water_jug'],
      ['3.jpg', 899, 'water_jug'],
      ['4.jpg', 899, 'water_jug'],
    ]);
    // "maillot" alone is exactly class 638's synonym list; "maillot, tank suit" is class 639's.
    expect(data.predictions?.map((p) => p.prediction)).toEqual([680, 463, 899, 638, 639]);
  });

  it('rejects a name that is ambiguous even as a full synonym list ("crane")', async () => {
    const csv = 'Filenames,Predictions,Labels\n0.jpg,crane,water jug\n';
    const root = makeTree(['0.jpg', ['metadata.csv', csv]]);
    await expect(ingestDataset(join(root, 'metadata.csv'))).rejects.toThrow(
      /metadata\.csv:2: class name "crane" is ambiguous: it names 134 crane \(n02012849\), 517 crane \(n03126707\).* in column "Predictions"/,
    );
  });

  it('reports unknown names with the row and near matches', async () => {
    const csv = 'Filenames,Predictions,Labels\n0.jpg,water jug,water jug\n1.jpg,"buckett, pail",water jug\n';
    const root = makeTree(['0.jpg', '1.jpg', ['metadata.csv', csv]]);
    await expect(ingestDataset(join(root, 'metadata.csv'))).rejects.toThrow(
      /metadata\.csv:3: unknown class "buckett, pail" .*near matches: .*"bucket, pail"/,
    );
  });

  it.skipIf(!existsSync(WATER_JUG))(
    'ingests the original water-jug sample: 144 images, 72 correct',
    async () => {
      const data = await ingestDataset(WATER_JUG);
      expect(data.kind).toBe('barlow-metadata');
      expect(data.samples).toHaveLength(144);
      expect(data.warnings).toEqual([]);
      expect(new Set(data.samples.map((s) => s.label))).toEqual(new Set([899]));
      const correct = data.predictions?.filter(
        (p, i) => p.id === data.samples[i].id && p.prediction === data.samples[i].label,
      );
      expect(correct).toHaveLength(72);
      expect(new Set(data.predictions?.map((p) => p.prediction)).size).toBe(50);
      // The same file read through an explicitly given ImageNet label space gives the same table.
      const again = await ingestDataset(join(WATER_JUG, 'metadata.csv'), { classes: imagenetClasses() });
      expect(again.samples).toEqual(data.samples);
      expect(again.predictions).toEqual(data.predictions);
    },
  );
});
