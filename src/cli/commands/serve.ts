import type { Command } from 'commander';
import { SERVE_DEFAULTS, startServer } from '../../server/serve.js';
import { integer } from '../flags.js';

export function register(program: Command): void {
  program
    .command('serve')
    .description('Explore a run in the browser: failure modes, features, and the naming study')
    .argument('<run>', 'run directory (after `faultline discover`)')
    .option(
      '--port <n>',
      'port to listen on (0 = any free port)',
      integer('--port', 0, 65535),
      SERVE_DEFAULTS.port,
    )
    .option('--host <host>', 'interface to bind (use 0.0.0.0 to share on a network)', SERVE_DEFAULTS.host)
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
