import type { Command } from 'commander';
import { register as registerExtract } from './extract.js';
import { register as registerServe } from './serve.js';
import { register as registerModels } from './models.js';
import { register as registerStudy } from './study.js';

/** One line per command module; each exports register(program). */
export function registerCommands(program: Command): void {
  registerExtract(program);
  registerServe(program);
  registerModels(program);
  registerStudy(program);
}
