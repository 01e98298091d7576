/**
 * discovery.json — the versioned output of `faultline discover`, read by explain, serve, study and report.
 * The types live in `shared/api/discovery.ts` (the web app sees them too); this module adds the format constant.
 */
import type { DiscoveryFormat, GroupBy } from '../shared/api/discovery.js';

export type * from '../shared/api/discovery.js';

export const DISCOVERY_FORMAT: DiscoveryFormat = 'faultline-discovery/1';

/** A group key as discovery writes it: "pred-<class index>" or "label-<class index>". */
export function groupKey(groupBy: GroupBy, classIndex: number): string {
  return `${groupBy === 'prediction' ? 'pred' : 'label'}-${classIndex}`;
}

export interface ParsedGroupKey {
  /** The key itself, e.g. "pred-3". */
  key: string;
  groupBy: GroupBy;
  classIndex: number;
}

/** At most 7 digits: anything longer is not a class index, and never reaches a lookup or a path. */
const GROUP_KEY = /^(pred|label)-(\d{1,7})$/;
const MODE_ID = /^((?:pred|label)-\d{1,7})\/(\d{1,7})$/;

/** "pred-3" -> { groupBy: 'prediction', classIndex: 3 }; null for anything else. The one parser of group keys. */
export function parseGroupKey(text: string): ParsedGroupKey | null {
  const match = GROUP_KEY.exec(text);
  if (!match) return null;
  return { key: text, groupBy: match[1] === 'pred' ? 'prediction' : 'label', classIndex: Number(match[2]) };
}

/** Mode ids are "<group key>/<leaf node id>" ("pred-899/2"); null for anything else. */
export function parseModeId(text: string): (ParsedGroupKey & { leaf: number }) | null {
  const match = MODE_ID.exec(text);
  if (!match) return null;
  const group = parseGroupKey(match[1]);
  return group && { ...group, leaf: Number(match[2]) };
}
