/**
 * Study endpoints. Annotators are identified only by the unguessable token in their link; the owner by the admin
 * token, sent as "Authorization: Bearer <token>". Bodies are validated before the study module sees them.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { ExplorerContext } from './context.js';
import { ApiHttpError, jsonBody, parseWith, pathInt } from './http-errors.js';
import type { StudyPort } from './study-port.js';

/** Tokens are URL-safe random strings; anything else is refused before touching the database. */
const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

export const answerBody = z
  .object({
    taskId: z.number().int().min(1),
    main: z.enum(['main_object', 'separate_object', 'background']),
    confidence: z.number().int().min(1).max(5),
    reasons: z.string().max(2000),
  })
  .strict();

const nameBody = z
  .object({
    feature: z.number().int().min(0).max(100_000_000),
    name: z
      .string()
      .trim()
      .min(1)
      .max(80)
      .refine((s) => ![...s].some((ch) => ch.charCodeAt(0) < 0x20), 'must not contain control characters'),
  })
  .strict();

function tokenParam(raw: string): string {
  if (!TOKEN.test(raw)) throw new ApiHttpError(403, 'Unknown or malformed token');
  return raw;
}

function adminToken(c: Context): string {
  const header = c.req.header('authorization') ?? '';
  const match = /^Bearer (\S+)$/.exec(header);
  if (!match) throw new ApiHttpError(401, 'Admin token required (Authorization: Bearer <token>)');
  return tokenParam(match[1]);
}

export function studyRoutes(ctx: ExplorerContext): Hono {
  const api = new Hono();
  const study = (): StudyPort => {
    if (!ctx.study)
      throw new ApiHttpError(404, 'This run has no study (create one with `faultline study create`)');
    return ctx.study;
  };

  api.get('/task/:token', (c) => c.json({ task: study().task(tokenParam(c.req.param('token'))) }));

  api.post('/task/:token/answers', async (c) => {
    const token = tokenParam(c.req.param('token'));
    const answer = parseWith(answerBody, await jsonBody(c), 'answer');
    return c.json(study().submit(token, answer), 201);
  });

  api.get('/admin/results', (c) => c.json(study().results(adminToken(c))));

  api.post('/admin/names', async (c) => {
    const token = adminToken(c);
    const { feature, name } = parseWith(nameBody, await jsonBody(c), 'name');
    return c.json(study().acceptName(token, feature, name));
  });

  api.get('/features/:feature', (c) =>
    c.json(study().featureResults(pathInt(c.req.param('feature'), 'feature'))),
  );

  return api;
}
