import { describe, expect, it } from 'vitest';
import { featureIntervals, featureLabel, formatThreshold, pathTo, ruleText } from './rules.js';
import type { TreeNode } from './schema.js';

describe('rule text (the one formatter of rules)', () => {
  it('names the group and splices accepted names into conditions', () => {
    const names = new Map([[1378, 'jug handle']]);
    const conditions = [
      { feature: 1378, threshold: 0.0893351, op: '<=' as const },
      { feature: 12, threshold: 1.5, op: '>' as const },
    ];
    expect(ruleText('label', 'water_jug', conditions, names)).toBe(
      "label water_jug and feature 1378 'jug handle' <= 0.08934 and feature 12 > 1.5",
    );
    expect(ruleText('prediction', 'water_jug', conditions)).toBe(
      'predicted water_jug and feature 1378 <= 0.08934 and feature 12 > 1.5',
    );
    expect(ruleText('prediction', 'syringe', [], names)).toBe('predicted syringe');
  });

  it('prints each feature once, as the tightest interval of its conditions (issue 12 item 7)', () => {
    const le = (feature: number, threshold: number) => ({ feature, threshold, op: '<=' as const });
    const gt = (feature: number, threshold: number) => ({ feature, threshold, op: '>' as const });
    expect(ruleText('label', 'church', [le(58, 1.532), le(58, 0.07156)])).toBe(
      'label church and feature 58 <= 0.07156',
    );
    expect(ruleText('label', 'church', [gt(6, 0.1), gt(6, 0.6036)])).toBe(
      'label church and feature 6 > 0.6036',
    );
    // Two-sided: lower < feature <= upper, in the order the features first appear on the path.
    expect(ruleText('label', 'a', [le(2, 0.2997), gt(6, 0.3496), le(6, 0.6036), gt(6, 0.4), le(9, 1)])).toBe(
      'label a and feature 2 <= 0.2997 and 0.4 < feature 6 <= 0.6036 and feature 9 <= 1',
    );
    const names = new Map([[6, 'sky']]);
    expect(ruleText('prediction', 'a', [le(6, 0.3496), gt(6, 0.2338)], names)).toBe(
      "predicted a and 0.2338 < feature 6 'sky' <= 0.3496",
    );
    expect(featureIntervals([le(6, 0.3496), gt(6, 0.2338), le(6, 0.3)])).toEqual([
      { feature: 6, lower: 0.2338, upper: 0.3 },
    ]);
  });

  it('labels features with and without a name', () => {
    expect(featureLabel(1378)).toBe('feature 1378');
    expect(featureLabel(1378, null)).toBe('feature 1378');
    expect(featureLabel(1378, '')).toBe('feature 1378');
    expect(featureLabel(1378, 'jug handle')).toBe("feature 1378 'jug handle'");
  });

  it('shows thresholds with four significant digits, non-finite ones as they are', () => {
    expect(formatThreshold(0.0893351)).toBe('0.08934');
    expect(formatThreshold(1234567)).toBe('1235000');
    expect(formatThreshold(-0.5)).toBe('-0.5');
    expect(formatThreshold(Infinity)).toBe('Infinity');
    expect(formatThreshold(NaN)).toBe('NaN');
  });

  it('walks the path from the root to a leaf', () => {
    const nodes: TreeNode[] = [
      { id: 0, depth: 0, n: 10, failures: 5, feature: 3, threshold: 0.5, left: 1, right: 2, impurity: 1 },
      { id: 1, depth: 1, n: 4, failures: 4, impurity: 0 },
      { id: 2, depth: 1, n: 6, failures: 1, impurity: 0.6 },
    ];
    expect(pathTo(nodes, 2)).toEqual([{ feature: 3, threshold: 0.5, op: '>' }]);
    expect(() => pathTo(nodes, 7)).toThrow(RangeError);
  });
});
