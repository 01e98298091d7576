/**
 * `faultline serve` as a library call: load the run, wire the services, bind the Hono app to a port.
 * The CLI (src/cli/commands/serve.ts) only turns flags into ServeOptions and prints the URL.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { serve as serveNode, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import { createApp, DEFAULT_BODY_LIMIT } from './app.js';
import type { ExplorerContext } from './context.js';
import { loadExplorerData } from '../explorer/explorer-data.js';
import { FeatureNameCache } from '../explorer/feature-name-cache.js';
import { StudyService } from '../explorer/study-service.js';
import { rediscoverGroup, SerialQueue } from './rediscover.js';

export const SERVE_DEFAULTS = { port: 4173, host: '127.0.0.1' } as const;

export interface ServeOptions {
  runDir: string;
  /** 0 picks a free port. Default 4173. */
  port?: number;
  /** Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Built front end; default web/dist of this package; null serves the API only. */
  webRoot?: string | null;
  bodyLimit?: number;
}

const LOOPBACK = ['127.0.0.1', 'localhost', '::1', '[::1]'];

/** Names a browser may use to reach a server bound to `host`; undefined (any) for non-loopback binds. */
export function hostsFor(host: string): string[] | undefined {
  return LOOPBACK.includes(host) ? LOOPBACK : undefined;
}

/** web/dist next to this package (two levels up from both src/server and dist/server). */
export function defaultWebRoot(): string | undefined {
  const root = fileURLToPath(new URL('../../web/dist', import.meta.url));
  return existsSync(`${root}/index.html`) ? root : undefined;
}

export interface Explorer {
  ctx: ExplorerContext;
  app: Hono;
  close(): void;
}

/** Loads the run and builds the app without binding a port (what tests and the server both use). */
export async function createExplorer(options: ServeOptions): Promise<Explorer> {
  const data = loadExplorerData(options.runDir);
  const names = new FeatureNameCache(options.runDir, data.discovery?.options.featureSet ?? 'robust');
  const study = StudyService.open(data, names);
  const ctx: ExplorerContext = {
    data,
    namer: names.namer(),
    rediscover: data.discovery
      ? (classIndex, settings) => rediscoverGroup(data, classIndex, settings)
      : undefined,
    rediscoverQueue: new SerialQueue(),
    study: study ?? undefined,
    webRoot: options.webRoot === null ? undefined : (options.webRoot ?? defaultWebRoot()),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    allowedHosts: options.host === undefined ? undefined : hostsFor(options.host),
  };
  return { ctx, app: createApp(ctx), close: () => study?.close() };
}

export interface RunningServer {
  url: string;
  port: number;
  explorer: Explorer;
  close(): Promise<void>;
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? SERVE_DEFAULTS.host;
  const explorer = await createExplorer({ ...options, host });
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serveNode(
      { fetch: explorer.app.fetch, port: options.port ?? SERVE_DEFAULTS.port, hostname: host },
      () => resolve(s),
    );
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    explorer,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        explorer.close();
      }),
  };
}
