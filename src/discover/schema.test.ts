import { describe, expect, it } from 'vitest';
import { findMode, lookupMode } from './discovery-file.js';
import {
  DISCOVERY_FORMAT,
  groupKey,
  parseGroupKey,
  parseModeId,
  type DiscoveryResult,
  type GroupResult,
} from './schema.js';

describe('group keys and mode ids (the one parser)', () => {
  it('formats and parses group keys', () => {
    expect(groupKey('prediction', 3)).toBe('pred-3');
    expect(groupKey('label', 899)).toBe('label-899');
    expect(parseGroupKey('pred-3')).toEqual({ key: 'pred-3', groupBy: 'prediction', classIndex: 3 });
    expect(parseGroupKey('label-899')).toEqual({ key: 'label-899', groupBy: 'label', classIndex: 899 });
    for (const bad of [
      'pred3',
      'pred-',
      'Pred-3',
      'pred-3/1',
      'pred--3',
      ' pred-3',
      'pred-12345678',
      '../pred-3',
    ])
      expect(parseGroupKey(bad)).toBeNull();
  });

  it('parses mode ids', () => {
    expect(parseModeId('pred-899/2')).toEqual({
      key: 'pred-899',
      groupBy: 'prediction',
      classIndex: 899,
      leaf: 2,
    });
    for (const bad of ['pred-899', 'pred-899/', 'pred-899/x', 'x-1/2', 'pred-1/2/3', 'pred-1/12345678'])
      expect(parseModeId(bad)).toBeNull();
  });
});

describe('mode lookup (the one lookup; findMode adds the error)', () => {
  const group = (key: string, leaves: number[]): GroupResult =>
    ({
      key,
      modes: leaves.map((leaf) => ({ id: `${key}/${leaf}`, leaf })),
    }) as unknown as GroupResult;
  const groups = [group('pred-1', [2, 4]), group('pred-2', [3])];

  it('finds the mode in the group its id names, or null', () => {
    expect(lookupMode(groups, 'pred-1/4')?.mode.leaf).toBe(4);
    expect(lookupMode(groups, 'pred-2/3')?.group.key).toBe('pred-2');
    expect(lookupMode(groups, 'pred-2/4')).toBeNull();
    expect(lookupMode(groups, 'label-1/2')).toBeNull();
    expect(lookupMode(groups, 'nonsense')).toBeNull();
  });

  it('findMode throws a FaultlineError that shows what ids look like', () => {
    const result = { format: DISCOVERY_FORMAT, groups } as unknown as DiscoveryResult;
    expect(findMode(result, 'pred-1/2').mode.id).toBe('pred-1/2');
    expect(() => findMode(result, 'pred-9/1')).toThrow(/no failure mode "pred-9\/1"/);
    try {
      findMode(result, 'pred-9/1');
    } catch (error) {
      expect((error as { name: string }).name).toBe('FaultlineError');
      expect((error as { details?: { hint?: string } }).details?.hint).toContain('pred-1/2');
    }
  });
});
