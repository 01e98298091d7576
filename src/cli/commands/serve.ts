import type { Command } from 'commander';
import { invalidOption } from '../../shared/errors.js';
import { startServer } from '../../server/serve.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw invalidOption('--port', 'an integer in [0, 65535]', value);
  return n;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('Explore a run in the browser: failure modes, features, and the naming study')
    .argument('<run>', 'run directory (after `faultline discover`)')
    .option('--port <n>', 'port to listen on (0 = any free port)', port, 4173)
    .option('--host <host>', 'interface to bind (use 0.0.0.0 to share on a network)', '127.0.0.1')
    .action(async (runDir: string, flags: { port: number; host: string }) => {
      const server = await startServer({ runDir, port: flags.port, host: flags.host });
      process.stdout.write(`faultline explorer: ${server.url}/\n`);
      if (!server.explorer.ctx.webRoot) {
        process.stderr.write(
          'warning: the front end is not built (npm run build:web); only /api is served\n',
        );
      }
      const stop = () => {
        void server.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
