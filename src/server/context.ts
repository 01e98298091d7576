/** What the HTTP layer is built over: the loaded run plus the optional services (re-discovery, study). */
import type { GroupResult } from '../discover/schema.js';
import type { DiscoverySettings } from '../shared/api/explorer.js';
import type { ExplorerData } from '../explorer/explorer-data.js';
import type { FeatureNamer } from '../explorer/views.js';
import type { StudyService } from '../explorer/study-service.js';
import type { SerialQueue } from './rediscover.js';

export interface ExplorerContext {
  data: ExplorerData;
  /** Accepted feature names (from the study database); re-read on each call so accepted names show at once. */
  namer: FeatureNamer;
  /** Re-fits one class's tree with edited settings; absent when the discover module cannot be used. */
  rediscover?: (classIndex: number, settings: DiscoverySettings) => Promise<GroupResult>;
  /** Serialises re-runs of this app: one tree fit at a time, so two edits cannot interleave their results. */
  rediscoverQueue: SerialQueue;
  /** The study; absent when the run has no study database. */
  study?: StudyService;
  /** Built front end (web/dist); absent when not built. */
  webRoot?: string;
  /** Largest accepted request body, bytes. */
  bodyLimit: number;
  /**
   * Host names the Host header may carry; absent = any. A loopback server accepts only loopback names, so a web
   * page elsewhere cannot reach it through DNS rebinding.
   */
  allowedHosts?: string[];
}
