/** Worker thread body: loads and ranks groups for worker-pool.ts (one NpyMatrixReader per worker). */
import { parentPort } from 'node:worker_threads';
import { NpyMatrixReader } from '../run/npy.js';
import { FaultlineError } from '../shared/errors.js';
import { loadGroupFeatures, type GroupFeatureRequest } from './group-features.js';

export interface RankJob {
  id: number;
  file: string;
  req: GroupFeatureRequest;
}

export type RankReply =
  | { id: number; selected: { feature: number; score: number }[]; matrix: Float32Array }
  | { id: number; error: string; userError: boolean };

let reader: NpyMatrixReader | undefined;

parentPort?.on('message', (job: RankJob | 'close') => {
  if (job === 'close') {
    reader?.close();
    parentPort?.close();
    return;
  }
  try {
    if (!reader || reader.file !== job.file) {
      reader?.close();
      reader = new NpyMatrixReader(job.file);
    }
    const { selected, matrix } = loadGroupFeatures(reader, job.req);
    const reply: RankReply = { id: job.id, selected, matrix };
    parentPort?.postMessage(reply, [matrix.buffer as ArrayBuffer]);
  } catch (e) {
    const reply: RankReply = {
      id: job.id,
      error: e instanceof Error ? e.message : String(e),
      userError: e instanceof FaultlineError,
    };
    parentPort?.postMessage(reply);
  }
});
