import type { Command } from 'commander';
import { register as registerExtract } from './extract.js';
import { register as registerFeatures } from './features.js';
import { register as registerServe } from './serve.js';
import { register as registerReport } from './report.js';
import { register as registerModels } from './models.js';
import { register as registerStudy } from './study.js';
import { register as registerDiscover } from './discover.js';
import { register as registerExportMode } from './export-mode.js';
import { register as registerVisualize } from './visualize.js';
import { register as registerDatasets } from './datasets.js';

/** One line per command module; each exports register(program). */
export function registerCommands(program: Command): void {
  registerExtract(program);
  registerFeatures(program);
  registerServe(program);
  registerReport(program);
  registerModels(program);
  registerStudy(program);
  registerDiscover(program);
  registerExportMode(program);
  registerVisualize(program);
  registerDatasets(program);
}
