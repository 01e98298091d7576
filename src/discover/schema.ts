/**
 * discovery.json — the versioned output of `faultline discover`, read by explain, serve, study and report.
 * The types live in `shared/api/discovery.ts` (the web app sees them too); this module adds the format constant.
 */
import type { DiscoveryFormat } from '../shared/api/discovery.js';

export type * from '../shared/api/discovery.js';

export const DISCOVERY_FORMAT: DiscoveryFormat = 'faultline-discovery/1';
