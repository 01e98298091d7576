#!/usr/bin/env node
/**
 * The faultline command line. Each command lives in ./commands/<name>.ts as a thin adapter that turns flags into
 * the options object of a library function; only this layer prints errors and sets the exit code.
 */
import { Command } from 'commander';
import { FaultlineError } from '../shared/errors.js';
import { FAULTLINE_VERSION } from '../shared/version.js';
import { registerCommands } from './commands/index.js';
import { cliMessage } from './flags.js';

const program = new Command();
program
  .name('faultline')
  .description('Find where and why an image classifier fails.')
  .version(FAULTLINE_VERSION)
  .showHelpAfterError();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof FaultlineError) {
    process.stderr.write(`\x1b[31merror:\x1b[0m ${cliMessage(error)}\n`);
    if (error.details?.hint) process.stderr.write(`hint: ${error.details.hint}\n`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
