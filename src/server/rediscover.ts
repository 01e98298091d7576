/** Re-fitting one class's failure tree with edited settings, through the discover module. */
import type { GroupResult } from '../discover/schema.js';
import type { DiscoverySettings } from './api-types.js';
import type { ExplorerData } from './explorer-data.js';
import { ApiHttpError } from './http-errors.js';

/** True once the discover module exports a one-group entry point this server can call. */
export const REDISCOVERY_AVAILABLE = false;

export async function rediscoverGroup(
  _data: ExplorerData,
  _classIndex: number,
  _settings: DiscoverySettings,
): Promise<GroupResult> {
  throw new ApiHttpError(501, 'Re-running discovery is not available in this build');
}
