/**
 * Everything the explorer reads from a run, loaded once: the run tables, discovery.json and per-class numbers.
 * Groups re-run with edited settings replace the loaded ones in memory (discovery.json on disk is left as is).
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadRun, type Run } from '../run/load.js';
import { RUN_FILES } from '../run/format.js';
import { readDiscoveryFile } from '../discover/discovery-file.js';
import type { DiscoveryResult, GroupResult } from '../discover/schema.js';
import { accuracy, computeClassStats, type ClassStats } from './class-stats.js';
import { realRoots } from './safe-path.js';

export interface ExplorerData {
  run: Run;
  runName: string;
  discovery: DiscoveryResult | null;
  /** The prediction set the discovery was computed with ("inspected" when there is no discovery). */
  predictionSet: string;
  labels: Int32Array;
  predictions: Int32Array;
  rowById: Map<string, number>;
  classStats: ClassStats[];
  accuracyBySet: Map<string, number>;
  groupsByClass: Map<number, GroupResult>;
  /** Class indices whose group was re-run in this session. */
  editedClasses: Set<number>;
  /** Real paths of the roots files may be served from: dataset root and run directory. */
  fileRoots: string[];
  /** Real path of the run directory alone (visuals are only served from there). */
  runRoots: string[];
}

export function loadExplorerData(runDir: string): ExplorerData {
  const run = loadRun(runDir);
  const discoveryFile = join(runDir, RUN_FILES.discovery);
  let discovery: DiscoveryResult | null = null;
  if (existsSync(discoveryFile)) {
    discovery = readDiscoveryFile(discoveryFile);
  }
  const predictionSet = discovery?.options.predictionSet ?? 'inspected';
  const labels = Int32Array.from(run.samples, (s) => s.label);
  const predictions = Int32Array.from(run.predictions(predictionSet), (p) => p.prediction);
  const groupBy = discovery?.options.groupBy ?? 'prediction';
  const accuracyBySet = new Map<string, number>();
  for (const name of Object.keys(run.manifest.predictions)) {
    const preds =
      name === predictionSet ? predictions : Int32Array.from(run.predictions(name), (p) => p.prediction);
    accuracyBySet.set(name, accuracy(labels, preds));
  }
  const groupsByClass = new Map<number, GroupResult>();
  for (const group of discovery?.groups ?? []) groupsByClass.set(group.classIndex, group);
  return {
    run,
    runName: basename(runDir),
    discovery,
    predictionSet,
    labels,
    predictions,
    rowById: new Map(run.samples.map((s, i) => [s.id, i])),
    classStats: computeClassStats(labels, predictions, run.classes.length, groupBy),
    accuracyBySet,
    groupsByClass,
    editedClasses: new Set(),
    fileRoots: realRoots([run.manifest.dataset.root, runDir]),
    runRoots: realRoots([runDir]),
  };
}

export function className(data: ExplorerData, index: number): string {
  return data.run.classes[index]?.name ?? `class ${index}`;
}
