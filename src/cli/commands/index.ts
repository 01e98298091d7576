import type { Command } from 'commander';

/** One line per command module; each exports register(program). */
export function registerCommands(program: Command): void {
  void program;
}
