import { describe, expect, it } from 'vitest';
import type { DiscoveryResult, FailureMode, GroupResult } from '../discover/schema.js';
import { PLANTED_MODES } from './planted.js';
import { describeMembers, matchPlanted, scoreMode, type SampleTruth } from './slices.js';

const boatOnGrass = PLANTED_MODES.find((m) => m.id === 'boat-on-grass')!;

/** 20 boats: 5 on grass (4 failing), 15 on water (1 failing). */
function boats(): SampleTruth[] {
  return Array.from({ length: 20 }, (_, i) => ({
    id: `b${i}`,
    label: 0,
    failed: i < 4 || i === 10,
    attributes: { cls: 'boat', background: i < 5 ? 'grass' : 'water', colour: 'red', occluded: '0' },
  }));
}

function mode(id: string, rank: number, members: string[]): FailureMode {
  const stats = { n: members.length, failures: 0, errorRate: 0, errorCoverage: 0, importance: 0 };
  return { id, rank, leaf: rank, conditions: [], rule: id, train: stats, members };
}

function result(modes: FailureMode[]): DiscoveryResult {
  const group = {
    key: 'label-0',
    classIndex: 0,
    className: 'boat',
    n: 20,
    failures: 5,
    baseErrorRate: 0.25,
    selectedFeatures: [],
    modes,
  } as GroupResult;
  return { options: { groupBy: 'label' }, groups: [group] } as unknown as DiscoveryResult;
}

describe('planted-mode matching', () => {
  it('precision is slice purity of the mode, recall is coverage of the slice failures', () => {
    const s = scoreMode(
      ['b0', 'b1', 'b2', 'b10'],
      new Set(['b0', 'b1', 'b2', 'b3', 'b4']),
      new Set(['b0', 'b1', 'b2', 'b3']),
    );
    expect(s.precision).toBe(0.75);
    expect(s.recall).toBe(0.75);
  });

  it('recovers a mode that isolates the slice, within the top 3', () => {
    const [m] = matchPlanted(
      result([mode('label-0/1', 1, ['b0', 'b1', 'b2', 'b3', 'b4', 'b10'])]),
      boats(),
      [boatOnGrass],
      () => 0,
    );
    expect(m.sliceSize).toBe(5);
    expect(m.sliceFailures).toBe(4);
    expect(m.sliceErrorRate).toBe(0.8);
    expect(m.restErrorRate).toBeCloseTo(1 / 15);
    expect(m.best?.precision).toBeCloseTo(5 / 6);
    expect(m.best?.recall).toBe(1);
    expect(m.recovered).toBe(true);
  });

  it('does not recover a mode that covers the whole class or ranks below 3', () => {
    const all = boats().map((b) => b.id);
    const [wide] = matchPlanted(result([mode('a', 1, all)]), boats(), [boatOnGrass], () => 0);
    expect(wide.best?.precision).toBe(0.25);
    expect(wide.recovered).toBe(false);
    const [late] = matchPlanted(
      result([mode('z', 4, ['b0', 'b1', 'b2', 'b3'])]),
      boats(),
      [boatOnGrass],
      () => 0,
    );
    expect(late.best).toBeUndefined();
    expect(late.recovered).toBe(false);
  });

  it('describes a mode by its over-represented attribute values', () => {
    const words = describeMembers(new Set(['b0', 'b1', 'b2', 'b3']), boats());
    expect(words[0]).toMatchObject({ attribute: 'background', value: 'grass', share: 1, base: 0.25 });
  });
});
