/**
 * The explorer server as a child process for the load and fault tests (so it can be SIGKILLed):
 *   tsx test/load/server-child.ts <run> <port>
 * Prints "listening <url>" once it accepts connections.
 */
import { startServer } from '../../src/server/serve.js';

const [runDir, port] = process.argv.slice(2);
const server = await startServer({ runDir, port: Number(port), webRoot: null });
process.stdout.write(`listening ${server.url}\n`);
