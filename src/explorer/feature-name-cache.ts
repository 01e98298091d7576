/**
 * Accepted feature names for the explorer, read from the run's database (src/study getFeatureNames) and re-read at
 * most every few seconds, so names accepted by `faultline study name` or another server appear without a restart.
 */
import { getFeatureNames, type FeatureNames } from '../study/index.js';
import type { FeatureNamer } from './views.js';

const TTL_MS = 5000;

export class FeatureNameCache {
  private names: FeatureNames;
  private readAt = Date.now();

  constructor(
    private readonly runDir: string,
    private readonly featureSet: string,
  ) {
    this.names = getFeatureNames(runDir);
  }

  /** Re-reads now (after this server accepted a name). */
  refresh(): void {
    this.names = getFeatureNames(this.runDir);
    this.readAt = Date.now();
  }

  namer(): FeatureNamer {
    return (_classIndex, feature) => {
      if (Date.now() - this.readAt > TTL_MS) this.refresh();
      return this.names.get(feature, this.featureSet) ?? null;
    };
  }
}
