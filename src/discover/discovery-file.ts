/** Reading discovery.json back: the one format check every consumer (export, visualize, study, server) shares. */
import { join } from 'node:path';
import type { Run } from '../run/load.js';
import { RUN_FILES } from '../run/format.js';
import { readJson } from '../run/tables.js';
import { FaultlineError, fileError } from '../shared/errors.js';
import {
  DISCOVERY_FORMAT,
  parseModeId,
  type DiscoveryResult,
  type FailureMode,
  type GroupResult,
} from './schema.js';

export function readDiscoveryFile(file: string): DiscoveryResult {
  const result = readJson<DiscoveryResult>(file);
  if (result.format !== DISCOVERY_FORMAT) {
    throw fileError(
      file,
      `unsupported format ${JSON.stringify(result.format)} (expected ${DISCOVERY_FORMAT}); rerun faultline discover`,
    );
  }
  return result;
}

/** <run>/discovery.json. */
export function readDiscovery(run: Run): DiscoveryResult {
  return readDiscoveryFile(join(run.dir, RUN_FILES.discovery));
}

/** The one mode lookup: the group whose key starts the id, and its mode; null for an unknown or malformed id. */
export function lookupMode(
  groups: Iterable<GroupResult>,
  modeId: string,
): { group: GroupResult; mode: FailureMode } | null {
  const parsed = parseModeId(modeId);
  if (!parsed) return null;
  for (const group of groups) {
    if (group.key !== parsed.key) continue;
    const mode = group.modes.find((m) => m.id === modeId);
    return mode ? { group, mode } : null;
  }
  return null;
}

/** lookupMode for the command line: an unknown id is a FaultlineError that shows what ids look like. */
export function findMode(result: DiscoveryResult, modeId: string): { group: GroupResult; mode: FailureMode } {
  const found = lookupMode(result.groups, modeId);
  if (found) return found;
  const some = result.groups.flatMap((g) => g.modes.slice(0, 1).map((m) => m.id)).slice(0, 5);
  throw new FaultlineError(`no failure mode "${modeId}" in discovery.json`, {
    hint: some.length > 0 ? `mode ids look like ${some.join(', ')}` : 'discovery found no failure modes',
  });
}
