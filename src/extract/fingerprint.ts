/**
 * The settings fingerprint of an extraction: everything that decides a run's bytes (samples, model files and
 * specs, given predictions, chunk and batch size). A rerun with the same fingerprint resumes or reports "already
 * complete"; any other is refused. Changing what goes in here makes older partial runs unresumable.
 */
import { createHash } from 'node:crypto';
import { RUN_FORMAT } from '../run/format.js';
import type { Sample } from '../shared/types.js';
import type { ResolvedModelSpec } from '../inference/model.js';

export interface FingerprintInput {
  samples: readonly Sample[];
  inspected?: { sha256: string; spec: ResolvedModelSpec };
  inspectedFeatures?: string;
  robust?: { sha256: string; spec: ResolvedModelSpec };
  givenPredictions?: Map<string, number>;
  chunkSize: number;
  batchSize: number;
}

/** The spec without what does not change a run's bytes (robustness only sets attack defaults later). */
function bytesSpec(spec: ResolvedModelSpec): Omit<ResolvedModelSpec, 'robustness'> {
  const { robustness: _robustness, ...rest } = spec;
  return rest;
}

export function extractFingerprint(f: FingerprintInput): string {
  return createHash('sha256')
    .update(
      JSON.stringify({
        v: RUN_FORMAT,
        samples: f.samples.map((s) => [s.id, s.label]),
        inspected: f.inspected && [
          f.inspected.sha256,
          bytesSpec(f.inspected.spec),
          f.inspectedFeatures ?? null,
        ],
        robust: f.robust && [f.robust.sha256, bytesSpec(f.robust.spec)],
        predictions: f.givenPredictions ? [...f.givenPredictions.entries()] : null,
        chunkSize: f.chunkSize,
        batchSize: f.batchSize,
      }),
    )
    .digest('hex');
}
