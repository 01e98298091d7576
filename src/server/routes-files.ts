/**
 * Files: sample images (by sample row or id only — a client never names a path) and the explain stage's visuals
 * (by group key, feature index and a fixed file-name pattern). Every file is checked by realpath against the
 * dataset root and the run directory before a byte is read.
 */
import { createReadStream } from 'node:fs';
import { extname, join } from 'node:path';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { z } from 'zod';
import type { ExplorerContext } from './context.js';
import { ApiHttpError, notFound, parseWith, pathInt } from './http-errors.js';
import { resolveInsideRoots } from '../explorer/safe-path.js';
import { thumbnail } from '../image/thumbnail.js';
import { parseGroupKey } from '../discover/schema.js';
import { VISUAL_FILE, visualsFolder } from '../explorer/visuals.js';

const IMAGE_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.bmp': 'image/bmp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.json': 'application/json',
};

const imageQuery = z.object({ w: z.coerce.number().int().min(16).max(1024).optional() }).strict();
const byIdQuery = z.object({ id: z.string().min(1).max(1000), w: imageQuery.shape.w }).strict();

function sendFile(realPath: string): Response {
  const type = IMAGE_TYPES[extname(realPath).toLowerCase()] ?? 'application/octet-stream';
  const body = Readable.toWeb(createReadStream(realPath)) as ReadableStream;
  return new Response(body, {
    headers: {
      'content-type': type,
      'cache-control': 'private, max-age=3600',
      'x-content-type-options': 'nosniff',
    },
  });
}

export function fileRoutes(ctx: ExplorerContext): Hono {
  const api = new Hono();
  const { data } = ctx;

  async function sendSample(row: number, width: number | undefined): Promise<Response> {
    const sample = data.run.samples[row];
    if (!sample) throw notFound(`sample row ${row}`);
    const real = resolveInsideRoots(sample.path, data.fileRoots);
    if (width === undefined) return sendFile(real);
    try {
      const jpeg = await thumbnail(real, width);
      return new Response(new Uint8Array(jpeg), {
        headers: { 'content-type': 'image/jpeg', 'cache-control': 'private, max-age=3600' },
      });
    } catch {
      throw new ApiHttpError(422, `sample row ${row} is not a readable image`);
    }
  }

  api.get('/images/by-id', async (c) => {
    const { id, w } = parseWith(byIdQuery, c.req.query(), 'query');
    const row = data.rowById.get(id);
    if (row === undefined) throw notFound('sample');
    return sendSample(row, w);
  });

  api.get('/images/:row', async (c) => {
    const row = pathInt(c.req.param('row'), 'sample row');
    const { w } = parseWith(imageQuery, c.req.query(), 'query');
    return sendSample(row, w);
  });

  api.get('/visuals/:group/:feature/:file', (c) => {
    const group = c.req.param('group');
    const file = c.req.param('file');
    if (!parseGroupKey(group))
      throw new ApiHttpError(400, 'Invalid group key: expected pred-<n> or label-<n>');
    const feature = pathInt(c.req.param('feature'), 'feature index');
    if (!VISUAL_FILE.test(file)) throw new ApiHttpError(400, 'Invalid visual file name');
    const real = resolveInsideRoots(join(visualsFolder(data.run.dir, group, feature), file), data.runRoots);
    return sendFile(real);
  });

  return api;
}
