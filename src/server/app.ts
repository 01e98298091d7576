/**
 * The explorer's Hono app: JSON API under /api, the built front end everywhere else. Web-standard Request/Response
 * only, so tests drive it in-process with app.request() and serve.ts binds it to a port.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ExplorerContext } from './context.js';
import { ApiHttpError, errorResponse } from './http-errors.js';
import { explorerRoutes } from './routes-explorer.js';
import { fileRoutes } from './routes-files.js';
import { staticRoutes } from './routes-static.js';
import { studyRoutes } from './routes-study.js';

export const DEFAULT_BODY_LIMIT = 64 * 1024;

export function createApp(ctx: ExplorerContext): Hono {
  const app = new Hono();
  app.onError(errorResponse);
  app.notFound((c) => c.json({ error: `No such endpoint: ${c.req.method} ${c.req.path}` }, 404));
  if (ctx.allowedHosts) {
    const allowed = new Set(ctx.allowedHosts.map((h) => h.toLowerCase()));
    app.use('*', async (c, next) => {
      // The node adapter builds the request URL from the Host header, so its hostname is what the client sent.
      const host = (c.req.header('host') ?? new URL(c.req.url).host).toLowerCase().replace(/:\d+$/, '');
      if (!allowed.has(host)) return c.json({ error: 'Unexpected Host header' }, 403);
      await next();
    });
  }

  const api = new Hono();
  api.use('*', async (c, next) => {
    await next();
    c.header('x-content-type-options', 'nosniff');
    if (!c.res.headers.has('cache-control')) c.header('cache-control', 'no-store');
  });
  api.use(
    '*',
    bodyLimit({
      maxSize: ctx.bodyLimit,
      onError: () => {
        throw new ApiHttpError(413, `Request body too large (limit ${ctx.bodyLimit} bytes)`);
      },
    }),
  );
  api.route('/', explorerRoutes(ctx));
  api.route('/', fileRoutes(ctx));
  api.route('/study', studyRoutes(ctx));
  api.all('*', (c) => c.json({ error: `No such endpoint: ${c.req.method} ${c.req.path}` }, 404));
  app.route('/api', api);

  if (ctx.webRoot) app.route('/', staticRoutes(ctx.webRoot));
  else {
    app.get('*', (c) =>
      c.text(
        'The explorer front end is not built. Run `npm run build:web`, then restart `faultline serve`.',
        503,
      ),
    );
  }
  return app;
}
