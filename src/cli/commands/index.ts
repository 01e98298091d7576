import type { Command } from 'commander';
import { register as registerExtract } from './extract.js';
import { register as registerServe } from './serve.js';

/** One line per command module; each exports register(program). */
export function registerCommands(program: Command): void {
  registerExtract(program);
  registerServe(program);
}
