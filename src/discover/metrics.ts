/**
 * The failure-tree metrics of docs/method.md §5, from leaf counts alone (no features), so they can be checked
 * against the reference numbers exactly.
 *
 * Edge cases (docs/method.md §5b): ER = 0 for an empty leaf; EC = 0 when the group has no failures (F = 0);
 * precision = 0 when there is no failure leaf; BER = 0 for an empty group.
 */
import type { LeafMetrics } from './schema.js';

export interface LeafCounts {
  /** Leaf node id. */
  leaf: number;
  n: number;
  failures: number;
}

export interface TreeMetrics {
  /** BER = F / N. */
  baseErrorRate: number;
  /** ALER = sum over leaves of ER x EC. */
  aler: number;
  /** Over failure leaves T (ER > BER): sum f / sum n, and sum f / F. */
  precision: number;
  recall: number;
  /** Failure leaves, most important (highest IV) first; ties by leaf id. */
  failureLeaves: (LeafMetrics & { leaf: number })[];
}

export function baseErrorRate(n: number, failures: number): number {
  return n === 0 ? 0 : failures / n;
}

/** ER, EC and IV of one leaf holding `failures` of the group's `totalFailures`. */
export function leafMetrics(n: number, failures: number, totalFailures: number): LeafMetrics {
  const errorRate = n === 0 ? 0 : failures / n;
  const errorCoverage = totalFailures === 0 ? 0 : failures / totalFailures;
  return { n, failures, errorRate, errorCoverage, importance: errorRate * errorCoverage };
}

/**
 * Metrics of a fitted tree from its leaves (which partition the group: their n and failures sum to N and F).
 * @example treeMetrics([{ leaf: 1, n: 395, failures: 139 }, { leaf: 2, n: 1011, failures: 145 }]).aler // 0.2455
 */
export function treeMetrics(leaves: LeafCounts[]): TreeMetrics {
  let n = 0;
  let f = 0;
  for (const l of leaves) {
    n += l.n;
    f += l.failures;
  }
  const ber = baseErrorRate(n, f);
  let aler = 0;
  const failureLeaves: (LeafMetrics & { leaf: number })[] = [];
  for (const l of leaves) {
    const m = leafMetrics(l.n, l.failures, f);
    aler += m.importance;
    if (m.errorRate > ber) failureLeaves.push({ leaf: l.leaf, ...m });
  }
  failureLeaves.sort((a, b) => b.importance - a.importance || a.leaf - b.leaf);
  let tn = 0;
  let tf = 0;
  for (const l of failureLeaves) {
    tn += l.n;
    tf += l.failures;
  }
  return {
    baseErrorRate: ber,
    aler,
    precision: tn === 0 ? 0 : tf / tn,
    recall: f === 0 ? 0 : tf / f,
    failureLeaves,
  };
}
