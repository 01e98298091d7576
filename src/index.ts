/**
 * faultline as a library: the same stages the CLI runs, each an async function taking a typed options object
 * whose defaults are exported next to it (the CLI, the server and the report take their defaults from there).
 *
 *   const summary = await extractRun({ data, model, robust, out });          // dataset + models -> run directory
 *   const run = loadRun(summary.runDir);
 *   const result = await discover(run, { depth: 2 });                          // failure trees per class
 *   writeDiscovery(run, result);                                               // <run>/discovery.json
 *   await visualize(run, { mode: result.groups[0].modes[0].id });              // <run>/visuals/...
 *   await writeReport({ runDir: run.dir, outDir: 'report' });                  // static HTML
 *   const server = await startServer({ runDir: run.dir, port: 4173 });        // explorer + study
 *
 * Problems the caller can fix are FaultlineErrors; their messages name the option keys used here.
 * The method these functions implement is described in docs/method.md; the run directory in docs/run-directory.md.
 */
export { FaultlineError, invalidOption, fileError } from './shared/errors.js';
export { silentProgress, terminalProgress, type ProgressSink } from './shared/progress.js';
export { FAULTLINE_VERSION } from './shared/version.js';
export type { ClassInfo, Dataset, DatasetKind, Prediction, Sample, SkippedSample } from './shared/types.js';

export { loadRun, type Run } from './run/load.js';
export {
  RUN_FORMAT,
  RUN_FILES,
  featureFileName,
  visualsFolder,
  type FeatureSet,
  type ModelRecord,
  type PredictionSet,
  type PreprocessSpec,
  type RunManifest,
} from './run/format.js';
export { NpyMatrixReader, NpyMatrixWriter, writeNpyMatrix } from './run/npy.js';

export { ingestDataset, imagenetClasses, readClassMap, type IngestOptions } from './ingest/index.js';
export { loadModel, type LoadedModel, type LoadModelOptions } from './inference/model.js';

export { extractRun, EXTRACT_DEFAULTS, type ExtractOptions, type ExtractSummary } from './extract/extract.js';
export { addFeatureSet, ADD_FEATURES_DEFAULTS, type AddFeaturesOptions } from './extract/add-features.js';

export {
  discover,
  writeDiscovery,
  DEFAULT_DISCOVER_OPTIONS,
  optionsFromStored,
  storedOptions,
  type DiscoverOptions,
} from './discover/discover.js';
export { readDiscovery, readDiscoveryFile } from './discover/discovery-file.js';
export { modeMembers, memberCsv, type ModeMemberTable } from './discover/export-mode.js';
export * from './discover/schema.js';

export {
  visualize,
  VISUALIZE_DEFAULTS,
  VISUAL_FORMAT,
  type VisualizeOptions,
  type VisualRecord,
  type VisualImage,
} from './explain/visualize.js';
export { ATTACK_DEFAULTS, attackFeature, type AttackOptions, type AttackResult } from './explain/attack.js';

export { writeReport, REPORT_DEFAULTS, type ReportOptions, type ReportSummary } from './report/report.js';
export {
  startServer,
  createExplorer,
  SERVE_DEFAULTS,
  type ServeOptions,
  type RunningServer,
} from './server/serve.js';
export * as study from './study/index.js';

export {
  importCheckpoint,
  type ImportCheckpointOptions,
  type ImportCheckpointResult,
} from './import/import-checkpoint.js';

export {
  fetchDataset,
  FETCHABLE_DATASETS,
  type FetchableDataset,
  type FetchDatasetOptions,
} from './fetch/datasets.js';
export { fetchModel, type FetchableModel, type FetchModelOptions } from './fetch/models.js';
