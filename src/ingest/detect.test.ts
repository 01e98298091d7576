import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTree, removeTrees } from '../../test/fixtures/ingest/tree.js';
import { detectKind } from './detect.js';
import { ingestDataset } from './index.js';

afterAll(removeTrees);

const IMAGENETTE = fileURLToPath(new URL('../../../shared/data/imagenette', import.meta.url));

describe('auto-detection', () => {
  it('tells the layouts apart', () => {
    const root = makeTree([
      'named/cat/1.jpg',
      'wnids/n01440764/1.jpg',
      'split-named/train/cat/1.jpg',
      'split-named/val/cat/2.jpg',
      'split-wnids/train/n01440764/1.jpg',
      'split-wnids/val/n01440764/2.jpg',
      'mixed/n01440764/1.jpg',
      'mixed/cat/2.jpg',
      ['barlow/metadata.csv', 'Filenames,Predictions,Labels\n'],
      'barlow/images/0.jpg',
      ['m.csv', 'path,label\n'],
      ['m.jsonl', '{}'],
      ['other.csv', 'Filenames,Predictions,Labels\n'],
      ['notes.txt', 'hello'],
    ]);
    const kind = (path: string) => detectKind(join(root, path)).kind;
    expect(kind('named')).toBe('folder');
    expect(kind('wnids')).toBe('imagenet');
    expect(kind('split-named')).toBe('folder');
    expect(kind('split-wnids')).toBe('imagenet');
    expect(kind('mixed')).toBe('folder');
    expect(detectKind(join(root, 'barlow'))).toEqual({
      kind: 'barlow-metadata',
      path: join(root, 'barlow/metadata.csv'),
    });
    expect(kind('m.csv')).toBe('manifest');
    expect(kind('m.jsonl')).toBe('manifest');
    expect(kind('other.csv')).toBe('barlow-metadata');
    expect(() => kind('notes.txt')).toThrow(/notes\.txt: not a dataset/);
    expect(() => kind('absent')).toThrow(/absent: dataset not found/);
  });

  it('lets the user force a reader, and rejects an unknown kind', async () => {
    const root = makeTree(['n01440764/1.jpg']);
    const forced = await ingestDataset(root, { kind: 'folder' });
    expect(forced.kind).toBe('folder');
    expect(forced.classes).toEqual([{ index: 0, name: 'n01440764' }]);
    const kind = 'zip' as 'folder';
    await expect(ingestDataset(root, { kind })).rejects.toThrow(
      /Expected one of folder, imagenet.* for kind/,
    );
  });
});

describe.skipIf(!existsSync(IMAGENETTE))('Imagenette (shared data)', () => {
  it('reads val through the ImageNet reader: 3,925 images, 10 classes at their ImageNet indices', async () => {
    const data = await ingestDataset(IMAGENETTE, { split: 'val' });
    expect(data.kind).toBe('imagenet');
    expect(data.samples).toHaveLength(3925);
    expect(new Set(data.samples.map((s) => s.label)).size).toBe(10);
    expect(data.warnings).toEqual([]);
    const expected = new Map(
      readFileSync(join(IMAGENETTE, 'labels.csv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(','))
        .filter((f) => f[1] === 'val')
        .map((f) => [f[0], { label: Number(f[3]), name: f[4] }]),
    );
    expect(expected.size).toBe(3925);
    for (const sample of data.samples) {
      expect({ label: sample.label, name: sample.labelName }).toEqual(expected.get(sample.id));
    }
    expect(data.samples.every((s) => s.split === 'val')).toBe(true);
  });
});
