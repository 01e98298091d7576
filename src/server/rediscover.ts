/**
 * Re-fitting one class's failure tree with edited depth / min leaf / top-K, through the discover module, with
 * every other option as the loaded discovery.json recorded it (so the re-run differs only in what was edited).
 */
import { optionsFromStored, type DiscoverOptions } from '../discover/options.js';
import type { DiscoveryResult, GroupResult } from '../discover/schema.js';
import type { DiscoverySettings } from '../shared/api/explorer.js';
import type { ExplorerData } from '../explorer/explorer-data.js';
import { ApiHttpError } from './http-errors.js';

/** The discover options a discovery.json was made with (jitter noise included: it was dropped before). */
export function optionsOf(discovery: DiscoveryResult): Partial<DiscoverOptions> {
  return optionsFromStored(discovery.options);
}

/** Runs tasks one at a time in arrival order; a failed task does not stop the ones behind it. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

export async function rediscoverGroup(
  data: ExplorerData,
  classIndex: number,
  settings: DiscoverySettings,
): Promise<GroupResult> {
  if (!data.discovery) throw new ApiHttpError(409, 'This run has no discovery.json to re-run');
  // Loaded on first use: the discover module brings its worker pool, which a server that never re-runs needn't load.
  const { discoverGroup } = await import('../discover/discover.js');
  return discoverGroup(data.run, classIndex, { ...optionsOf(data.discovery), ...settings, workers: 0 });
}
