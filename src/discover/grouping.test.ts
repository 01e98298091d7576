import { describe, expect, it } from 'vitest';
import { normaliseClassName } from '../ingest/names.js';
import { resolveClasses } from './grouping.js';

const classes = [
  { index: 0, name: 'water_jug', wnid: 'n04560804' },
  { index: 1, name: 'three-toed sloth' },
  { index: 2, name: 'cup' },
];

describe('resolveClasses (--classes)', () => {
  it('takes indices, wnids and names in any case, with spaces and underscores interchangeable', () => {
    expect(resolveClasses(['Water Jug', 'N04560804', '2', ' cup ', ''], classes)).toEqual([0, 2]);
    expect(resolveClasses(['THREE-TOED  sloth', 'three-toed_sloth'], classes)).toEqual([1]);
  });

  it('compares names with the one normalisation of ingest/names.ts (hyphens are part of a name)', () => {
    expect(normaliseClassName('three toed sloth')).not.toBe(normaliseClassName('three-toed sloth'));
    expect(() => resolveClasses(['three toed sloth', 'mug'], classes)).toThrow(
      'unknown classes: "three toed sloth", "mug"',
    );
  });
});
