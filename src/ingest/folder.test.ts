import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { makeTree, removeTrees } from '../../test/fixtures/ingest/tree.js';
import { FaultlineError } from '../shared/errors.js';
import { imagenetClasses, ingestDataset } from './index.js';

afterAll(removeTrees);

describe('image folder reader', () => {
  it('reads root/<class>/* with case-insensitive extensions, ignoring hidden and non-image files', async () => {
    const root = makeTree([
      'dog/b.JPG',
      'dog/a.jpeg',
      'dog/notes.txt',
      'dog/.hidden.jpg',
      'cat/x.png',
      'cat/y.WebP',
      'cat/z.gif',
      '.cache/q.jpg',
    ]);
    const data = await ingestDataset(root);
    expect(data.kind).toBe('folder');
    expect(data.root).toBe(root);
    expect(data.classes).toEqual([
      { index: 0, name: 'cat' },
      { index: 1, name: 'dog' },
    ]);
    expect(data.samples.map((s) => [s.id, s.label, s.labelName, s.split])).toEqual([
      ['cat/x.png', 0, 'cat', ''],
      ['cat/y.WebP', 0, 'cat', ''],
      ['dog/a.jpeg', 1, 'dog', ''],
      ['dog/b.JPG', 1, 'dog', ''],
    ]);
    expect(data.samples[0].path).toBe(join(root, 'cat', 'x.png'));
    expect(data.predictions).toBeUndefined();
    expect(data.warnings.join('\n')).toContain('ignored 2 file(s)');
  });

  it('reads train/ and val/ splits, with one label space over both', async () => {
    const root = makeTree(['train/cat/1.jpg', 'train/dog/2.jpg', 'val/cat/3.jpg', 'val/emu/4.jpg']);
    const all = await ingestDataset(root);
    expect(all.classes.map((c) => c.name)).toEqual(['cat', 'dog', 'emu']);
    expect(all.samples.map((s) => [s.id, s.split, s.label])).toEqual([
      ['train/cat/1.jpg', 'train', 0],
      ['train/dog/2.jpg', 'train', 1],
      ['val/cat/3.jpg', 'val', 0],
      ['val/emu/4.jpg', 'val', 2],
    ]);
    const val = await ingestDataset(root, { split: 'val' });
    expect(val.classes).toEqual(all.classes);
    expect(val.samples.map((s) => s.id)).toEqual(['val/cat/3.jpg', 'val/emu/4.jpg']);
    await expect(ingestDataset(root, { split: 'test' })).rejects.toThrow(
      /split "test" not found .*train, val/,
    );
  });

  it('maps folder names into a given label space with normalised names', async () => {
    const root = makeTree(['Water Jug/1.jpg', 'tench/2.jpg']);
    const data = await ingestDataset(root, { classes: imagenetClasses() });
    expect(data.samples.map((s) => [s.label, s.labelName])).toEqual([
      [899, 'water_jug'],
      [0, 'tench'],
    ]);
    expect(data.classes).toHaveLength(1000);
  });

  it('rejects a folder name that is not a class of the given label space, with near matches', async () => {
    const root = makeTree(['water jugg/1.jpg']);
    const error = await ingestDataset(root, { classes: imagenetClasses() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FaultlineError);
    expect((error as Error).message).toMatch(
      /water jugg.*unknown class "water jugg".*near matches: "water_jug"/,
    );
  });

  it('is deterministic: the same tree gives the same table', async () => {
    const files = ['b/2.jpg', 'a/10.jpg', 'a/9.jpg', 'a/1.jpg', 'B/1.jpg'];
    const first = await ingestDataset(makeTree(files));
    const second = await ingestDataset(makeTree([...files].reverse()));
    const strip = (d: typeof first) =>
      d.samples.map(({ id, label, labelName, split }) => ({ id, label, labelName, split }));
    expect(strip(first)).toEqual(strip(second));
    expect(first.samples.map((s) => s.id)).toEqual(['B/1.jpg', 'a/1.jpg', 'a/10.jpg', 'a/9.jpg', 'b/2.jpg']);
  });

  it('fails clearly on a missing directory, no class folders and no images', async () => {
    await expect(ingestDataset('/nonexistent/faultline-data')).rejects.toThrow(
      /faultline-data: dataset not found/,
    );
    await expect(ingestDataset(makeTree(['loose.jpg']))).rejects.toThrow(/no class folders found/);
    await expect(ingestDataset(makeTree(['cat/readme.txt', 'dog/']))).rejects.toThrow(/has no images/);
    await expect(ingestDataset(makeTree(['cat/1.jpg']), { split: 'val' })).rejects.toThrow(
      /has no split folders/,
    );
  });

  it('warns about empty class folders and keeps them in the label space', async () => {
    const data = await ingestDataset(makeTree(['cat/1.jpg', 'dog/']));
    expect(data.classes.map((c) => c.name)).toEqual(['cat', 'dog']);
    expect(data.warnings.join('\n')).toContain('class folder(s) without images: dog');
  });
});

describe('ImageNet reader', () => {
  it('maps wnid folders to the standard indices and names, with splits', async () => {
    const root = makeTree([
      'train/n01440764/a.JPEG',
      'val/n04560804/b.JPEG',
      'val/n02012849/c.JPEG', // crane (the bird, 134)
      'val/n03126707/d.JPEG', // crane (the machine, 517)
    ]);
    const data = await ingestDataset(root);
    expect(data.kind).toBe('imagenet');
    expect(data.classes).toHaveLength(1000);
    expect(data.samples.map((s) => [s.id, s.label, s.labelName, s.split])).toEqual([
      ['train/n01440764/a.JPEG', 0, 'tench', 'train'],
      ['val/n02012849/c.JPEG', 134, 'crane', 'val'],
      ['val/n03126707/d.JPEG', 517, 'crane', 'val'],
      ['val/n04560804/b.JPEG', 899, 'water_jug', 'val'],
    ]);
  });

  it('learns the wnid of a class the bundled table leaves open, and says so', async () => {
    // 102 echidna: WordNet 3.0 has two synsets named exactly "echidna, spiny anteater, anteater".
    expect(imagenetClasses()[102].wnid).toBeUndefined();
    const data = await ingestDataset(makeTree(['n01872401/a.jpg']));
    expect(data.samples[0].label).toBe(102);
    expect(data.classes[102].wnid).toBe('n01872401');
    expect(imagenetClasses()[102].wnid).toBeUndefined();
    expect(data.warnings.join('\n')).toContain('n01872401 -> 102 echidna');
  });

  it('uses a given class map with wnids, and rejects unknown wnids', async () => {
    const classes = [
      { index: 0, name: 'fish', wnid: 'n01440764' },
      { index: 1, name: 'jug', wnid: 'n04560804' },
    ];
    const data = await ingestDataset(makeTree(['n04560804/a.jpg']), { classes });
    expect(data.samples[0]).toMatchObject({ label: 1, labelName: 'jug' });
    await expect(ingestDataset(makeTree(['n09999999/a.jpg']))).rejects.toThrow(
      /unknown WordNet id "n09999999"/,
    );
  });

  it('rejects a class map without wnids and a non-wnid folder when forced', async () => {
    const root = makeTree(['n01440764/a.jpg']);
    await expect(ingestDataset(root, { classes: [{ index: 0, name: 'fish' }] })).rejects.toThrow(
      /no WordNet ids/,
    );
    const named = makeTree(['cat/a.jpg']);
    await expect(ingestDataset(named, { kind: 'imagenet' })).rejects.toThrow(/"cat" is not a WordNet id/);
  });
});
