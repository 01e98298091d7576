import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTree, removeTrees } from '../../test/fixtures/ingest/tree.js';
import { imagenetClassRecords } from './imagenet-classes.js';
import { imagenetClasses, normaliseClassName, readClassMap } from './index.js';
import { nearMatches } from './names.js';

afterAll(removeTrees);

const LABELS = fileURLToPath(new URL('../../../shared/data/imagenet-labels', import.meta.url));

describe('normaliseClassName', () => {
  it('ignores case, surrounding space and space/underscore differences', () => {
    expect(normaliseClassName('water jug')).toBe('water_jug');
    expect(normaliseClassName('Water_Jug')).toBe('water_jug');
    expect(normaliseClassName('  water \t jug ')).toBe('water_jug');
    expect(normaliseClassName("jack-o'-lantern")).toBe("jack-o'-lantern");
  });

  it('suggests near matches, closest first', () => {
    expect(nearMatches('watr jug', ['water_jug', 'water_bottle', 'tench'])).toEqual(['water_jug']);
    expect(nearMatches('jug', ['water_jug', 'whiskey_jug', 'tench'])).toEqual(['water_jug', 'whiskey_jug']);
    expect(nearMatches('zzzz', ['tench'])).toEqual([]);
  });
});

describe('bundled ImageNet classes', () => {
  it('has the 1000 classes in the standard order, with the duplicated names explicit', () => {
    const classes = imagenetClasses();
    expect(classes).toHaveLength(1000);
    expect(classes.map((c) => c.index)).toEqual([...Array(1000).keys()]);
    expect(classes[0]).toEqual({ index: 0, name: 'tench', wnid: 'n01440764' });
    expect(classes[899]).toEqual({ index: 899, name: 'water_jug', wnid: 'n04560804' });
    const named = (name: string) => classes.filter((c) => c.name === name).map((c) => c.index);
    expect(named('crane')).toEqual([134, 517]);
    expect(named('maillot')).toEqual([638, 639]);
    expect(classes.filter((c) => c.wnid === undefined)).toHaveLength(41);
  });

  it('keeps every wnid ascending (the standard order is the sorted wnid order)', () => {
    const all = imagenetClassRecords().flatMap((r) => r.wnidCandidates ?? [r.wnid as string]);
    expect(all.every((w, i) => i === 0 || w > all[i - 1])).toBe(true);
  });

  it.skipIf(!existsSync(LABELS))('agrees with the Keras imagenet_class_index.json on every class', () => {
    const keras = JSON.parse(readFileSync(join(LABELS, 'imagenet_class_index.json'), 'utf8')) as Record<
      string,
      [string, string]
    >;
    for (const record of imagenetClassRecords()) {
      const [wnid, name] = keras[String(record.index)];
      expect(record.name).toBe(name);
      expect(record.wnid ?? record.wnidCandidates).toEqual(
        record.wnid ? wnid : expect.arrayContaining([wnid]),
      );
    }
  });
});

describe('readClassMap', () => {
  it('reads the Keras JSON format', () => {
    const root = makeTree([['map.json', '{"1": ["n01443537", "goldfish"], "0": ["n01440764", "tench"]}']]);
    expect(readClassMap(join(root, 'map.json'))).toEqual([
      { index: 0, name: 'tench', wnid: 'n01440764' },
      { index: 1, name: 'goldfish', wnid: 'n01443537' },
    ]);
  });

  it('reads LOC_synset_mapping.txt, synsets.txt and plain name lists', () => {
    const root = makeTree([
      ['loc.txt', '\uFEFFn01440764 tench, Tinca tinca\r\nn01443537 goldfish, Carassius auratus\n\n'],
      ['synsets.txt', 'n01440764\nn01443537\n'],
      ['names.txt', 'cat\nwater jug\n'],
    ]);
    expect(readClassMap(join(root, 'loc.txt'))).toEqual([
      { index: 0, name: 'tench', wnid: 'n01440764' },
      { index: 1, name: 'goldfish', wnid: 'n01443537' },
    ]);
    expect(readClassMap(join(root, 'synsets.txt')).map((c) => c.wnid)).toEqual(['n01440764', 'n01443537']);
    expect(readClassMap(join(root, 'names.txt'))).toEqual([
      { index: 0, name: 'cat' },
      { index: 1, name: 'water jug' },
    ]);
  });

  it.skipIf(!existsSync(LABELS))('reads the real Keras and LOC files identically (wnids)', () => {
    const keras = readClassMap(join(LABELS, 'imagenet_class_index.json'));
    const loc = readClassMap(join(LABELS, 'LOC_synset_mapping.txt'));
    expect(keras).toHaveLength(1000);
    expect(loc.map((c) => c.wnid)).toEqual(keras.map((c) => c.wnid));
  });

  it('names the file and the problem', () => {
    const root = makeTree([
      ['bad.json', '{"0": "tench"}'],
      ['gap.json', '{"0": ["n01440764", "tench"], "2": ["n01443537", "goldfish"]}'],
      ['broken.json', '{'],
      ['empty.txt', '\n'],
    ]);
    expect(() => readClassMap(join(root, 'bad.json'))).toThrow(/bad\.json: entry "0" is not/);
    expect(() => readClassMap(join(root, 'gap.json'))).toThrow(
      /gap\.json: class indices must be 0\.\.1 without gaps/,
    );
    expect(() => readClassMap(join(root, 'broken.json'))).toThrow(/broken\.json: not valid JSON/);
    expect(() => readClassMap(join(root, 'empty.txt'))).toThrow(/empty\.txt: the class map is empty/);
    expect(() => readClassMap(join(root, 'missing.json'))).toThrow(
      /missing\.json: cannot read the class map/,
    );
  });
});
