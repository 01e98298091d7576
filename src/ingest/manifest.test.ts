import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { makeTree, removeTrees } from '../../test/fixtures/ingest/tree.js';
import { FaultlineError } from '../shared/errors.js';
import { imagenetClasses, ingestDataset } from './index.js';

afterAll(removeTrees);

const IMAGES = ['img/a.jpg', 'img/b.jpg', 'img/c.jpg', 'img/d.jpg'];

describe('manifest CSV', () => {
  it('reads path,label,prediction,split with the dataset own names as label space', async () => {
    const root = makeTree([
      ...IMAGES,
      [
        'list.csv',
        'path,label,prediction,split\nimg/b.jpg,dog,cat,val\nimg/a.jpg,cat,cat,train\nimg/c.jpg,Dog,dog,val\n',
      ],
    ]);
    const data = await ingestDataset(join(root, 'list.csv'));
    expect(data.kind).toBe('manifest');
    expect(data.root).toBe(root);
    expect(data.classes).toEqual([
      { index: 0, name: 'cat' },
      { index: 1, name: 'Dog' },
    ]);
    expect(data.samples.map((s) => [s.id, s.label, s.split])).toEqual([
      ['img/a.jpg', 0, 'train'],
      ['img/b.jpg', 1, 'val'],
      ['img/c.jpg', 1, 'val'],
    ]);
    expect(data.samples[0].path).toBe(join(root, 'img/a.jpg'));
    expect(data.predictions).toEqual([
      { id: 'img/a.jpg', prediction: 0 },
      { id: 'img/b.jpg', prediction: 0 },
      { id: 'img/c.jpg', prediction: 1 },
    ]);
    const val = await ingestDataset(join(root, 'list.csv'), { split: 'val' });
    expect(val.samples.map((s) => s.id)).toEqual(['img/b.jpg', 'img/c.jpg']);
    expect(val.classes).toEqual(data.classes);
    await expect(ingestDataset(join(root, 'list.csv'), { split: 'test' })).rejects.toThrow(
      /no rows with split "test" \(splits present: val, train\)/,
    );
  });

  it('handles a BOM, CRLF, quoted commas, header case and column order', async () => {
    const csv = '\uFEFFLabel,Path\r\n"bucket, pail",img/a.jpg\r\n"water jug",img/b.jpg\r\n\r\n';
    const root = makeTree([...IMAGES, ['m.csv', csv]]);
    const data = await ingestDataset(join(root, 'm.csv'), { classes: imagenetClasses() });
    expect(data.samples.map((s) => [s.id, s.label, s.labelName])).toEqual([
      ['img/a.jpg', 463, 'bucket'],
      ['img/b.jpg', 899, 'water_jug'],
    ]);
    expect(data.predictions).toBeUndefined();
  });

  it('accepts integer labels, names in any spelling and wnids in one ImageNet label space', async () => {
    const csv =
      'path,label,prediction\nimg/a.jpg,899,Water_Jug\nimg/b.jpg,n04560804,water jug\nimg/c.jpg,tench,0\n';
    const root = makeTree([...IMAGES, ['m.csv', csv]]);
    const data = await ingestDataset(join(root, 'm.csv'), { classes: imagenetClasses() });
    expect(data.samples.map((s) => s.label)).toEqual([899, 899, 0]);
    expect(data.predictions?.map((p) => p.prediction)).toEqual([899, 899, 0]);
  });

  it('keeps integer labels as indices when no label space is given', async () => {
    const root = makeTree([...IMAGES, ['m.csv', 'path,label\nimg/a.jpg,7\nimg/b.jpg,2\n']]);
    const data = await ingestDataset(join(root, 'm.csv'));
    expect(data.classes).toEqual([
      { index: 2, name: '2' },
      { index: 7, name: '7' },
    ]);
    expect(data.samples.map((s) => s.label)).toEqual([7, 2]);
    const mixed = makeTree([...IMAGES, ['m.csv', 'path,label\nimg/a.jpg,7\nimg/b.jpg,cat\n']]);
    await expect(ingestDataset(join(mixed, 'm.csv'))).rejects.toThrow(/m\.csv:3: labels mix class indices/);
  });

  it('names the file, the row and near matches for an unknown class', async () => {
    const csv = 'path,label\nimg/a.jpg,tench\nimg/b.jpg,watr jug\n';
    const root = makeTree([...IMAGES, ['m.csv', csv]]);
    const error = await ingestDataset(join(root, 'm.csv'), { classes: imagenetClasses() }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FaultlineError);
    const message = (error as Error).message;
    expect(message).toContain(`${join(root, 'm.csv')}:3: unknown class "watr jug"`);
    expect(message).toContain('"water_jug"');
    expect(message).toContain('column "label"');
    expect((error as FaultlineError).details).toMatchObject({ file: join(root, 'm.csv'), row: 3 });
  });

  it('rejects an ambiguous ImageNet name and accepts its index or wnid', async () => {
    const root = makeTree([...IMAGES, ['m.csv', 'path,label\nimg/a.jpg,crane\n']]);
    await expect(ingestDataset(join(root, 'm.csv'), { classes: imagenetClasses() })).rejects.toThrow(
      /:2: class name "crane" is ambiguous: it names 134 crane \(n02012849\), 517 crane \(n03126707\)/,
    );
    const ok = makeTree([
      ...IMAGES,
      ['m.csv', 'path,label\nimg/a.jpg,517\nimg/b.jpg,n02012849\nimg/c.jpg,tank suit\n'],
    ]);
    const data = await ingestDataset(join(ok, 'm.csv'), { classes: imagenetClasses() });
    expect(data.samples.map((s) => s.label)).toEqual([517, 134, 639]);
  });

  it('reports malformed rows, empty cells, duplicates, out-of-range indices and paths outside the root', async () => {
    const cases: [string, RegExp][] = [
      ['path,label\nimg/a.jpg,0,extra\n', /m\.csv:2: malformed CSV \(Invalid Record Length/],
      ['path,label\nimg/a.jpg,"0\n', /m\.csv:2: malformed CSV \(Quote Not Closed/],
      ['path,label\nimg/a.jpg,\n', /m\.csv:2: empty label/],
      ['path,label\n,0\n', /m\.csv:2: empty image path/],
      [
        'path,label\nimg/a.jpg,0\n./img/a.jpg,1\n',
        /m\.csv:3: image img\/a\.jpg is listed twice \(also line 2\)/,
      ],
      [
        'path,label\nimg/a.jpg,1000\n',
        /m\.csv:2: class index 1000 is out of range \(the label space has indices 0-999\)/,
      ],
      ['path,label\n../a.jpg,0\n', /m\.csv:2: image \.\.\/a\.jpg is outside the dataset root/],
      ['file,class\nimg/a.jpg,0\n', /m\.csv:1: the header must name the columns path and label/],
      ['path,label\n', /m\.csv: the manifest has no rows/],
      ['path,label,prediction\nimg/a.jpg,0,\n', /m\.csv:2: empty prediction/],
    ];
    for (const [csv, expected] of cases) {
      const root = makeTree([...IMAGES, ['m.csv', csv]]);
      await expect(ingestDataset(join(root, 'm.csv'), { classes: imagenetClasses() })).rejects.toThrow(
        expected,
      );
    }
  });

  it('lists missing images in warnings and leaves them out; fails when none exists', async () => {
    const csv = 'path,label,prediction\nimg/a.jpg,cat,dog\nimg/gone.jpg,dog,dog\nimg/b.jpg,dog,dog\n';
    const root = makeTree([...IMAGES, ['m.csv', csv]]);
    const data = await ingestDataset(join(root, 'm.csv'));
    expect(data.samples.map((s) => s.id)).toEqual(['img/a.jpg', 'img/b.jpg']);
    expect(data.predictions?.map((p) => p.id)).toEqual(['img/a.jpg', 'img/b.jpg']);
    expect(data.classes.map((c) => c.name)).toEqual(['cat', 'dog']);
    expect(data.warnings).toEqual([
      `${join(root, 'm.csv')}: 1 image(s) not found, left out: line 3: img/gone.jpg`,
    ]);
    const none = makeTree([['m.csv', 'path,label\nx.jpg,cat\n']]);
    await expect(ingestDataset(join(none, 'm.csv'))).rejects.toThrow(/none of the 1 images exists under/);
  });

  it('resolves relative paths against --root and accepts absolute paths inside it', async () => {
    const images = makeTree(IMAGES);
    const lists = makeTree([['m.csv', `path,label\nimg/a.jpg,cat\n${join(images, 'img/b.jpg')},dog\n`]]);
    const data = await ingestDataset(join(lists, 'm.csv'), { root: images });
    expect(data.root).toBe(images);
    expect(data.samples.map((s) => [s.id, s.path])).toEqual([
      ['img/a.jpg', join(images, 'img/a.jpg')],
      ['img/b.jpg', join(images, 'img/b.jpg')],
    ]);
  });
});

describe('manifest JSONL', () => {
  it('reads names and indices, predictions and splits', async () => {
    const jsonl = [
      '{"path": "img/b.jpg", "label": 1, "prediction": 0, "split": "val"}',
      '',
      '{"path": "img/a.jpg", "label": 0, "prediction": 0}',
    ].join('\n');
    const root = makeTree([...IMAGES, ['m.jsonl', jsonl]]);
    const data = await ingestDataset(join(root, 'm.jsonl'), { classes: imagenetClasses() });
    expect(data.kind).toBe('manifest');
    expect(data.samples.map((s) => [s.id, s.label, s.labelName, s.split])).toEqual([
      ['img/a.jpg', 0, 'tench', ''],
      ['img/b.jpg', 1, 'goldfish', 'val'],
    ]);
    expect(data.predictions).toEqual([
      { id: 'img/a.jpg', prediction: 0 },
      { id: 'img/b.jpg', prediction: 0 },
    ]);
  });

  it('reports the line of invalid JSON, non-objects and bad fields', async () => {
    const cases: [string, RegExp][] = [
      ['{"path": "img/a.jpg", "label": 0}\n{"path": oops}\n', /m\.jsonl:2: not valid JSON/],
      ['[1, 2]\n', /m\.jsonl:1: expected an object/],
      ['{"path": 3, "label": 0}\n', /m\.jsonl:1: "path" must be a string/],
      ['{"path": "img/a.jpg"}\n', /m\.jsonl:1: "label" must be a class name or index/],
      ['{"path": "img/a.jpg", "label": "goldfsh"}\n', /m\.jsonl:1: unknown class "goldfsh".*"goldfish"/],
    ];
    for (const [jsonl, expected] of cases) {
      const root = makeTree([...IMAGES, ['m.jsonl', jsonl]]);
      await expect(ingestDataset(join(root, 'm.jsonl'), { classes: imagenetClasses() })).rejects.toThrow(
        expected,
      );
    }
  });
});
