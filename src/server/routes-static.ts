/**
 * The built front end (web/dist): files by exact name from a fixed list read at start-up, and index.html for every
 * other non-API path so client-side routes survive a reload.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { Hono } from 'hono';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Front-end pages may only load code and styles from this server; inline styles are set by React, not markup. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

function listFiles(root: string, dir = root, out = new Map<string, string>()): Map<string, string> {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) listFiles(root, full, out);
    else out.set('/' + relative(root, full).split('\\').join('/'), full);
  }
  return out;
}

export function staticRoutes(webRoot: string): Hono {
  const app = new Hono();
  const files = listFiles(webRoot);
  const indexHtml = readFileSync(join(webRoot, 'index.html'));
  const headers = (type: string, immutable: boolean) => ({
    'content-type': type,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
  });
  app.get('*', (c) => {
    const file = files.get(c.req.path);
    if (file && c.req.path !== '/index.html') {
      const type = TYPES[extname(file)] ?? 'application/octet-stream';
      return c.body(readFileSync(file), 200, headers(type, c.req.path.startsWith('/assets/')));
    }
    return c.body(indexHtml, 200, headers(TYPES['.html'], false));
  });
  return app;
}
