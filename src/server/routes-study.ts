/**
 * Study endpoints. Annotators are identified only by the unguessable token in their link; the owner by the admin
 * token, sent as "Authorization: Bearer <token>" (never in a URL, so it stays out of logs and history).
 * Bodies are validated here before the study module sees them; the study module checks tokens.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { ExplorerContext } from './context.js';
import { ApiHttpError, jsonBody, parseWith, pathInt } from './http-errors.js';
import type { StudyService } from '../explorer/study-service.js';

export const answerBody = z
  .object({
    taskId: z.number().int().min(1),
    main: z.enum(['main_object', 'separate_object', 'background']),
    confidence: z.number().int().min(1).max(5),
    reasons: z.string().max(2000),
  })
  .strict();

const nameBody = z
  .object({ feature: z.number().int().min(0).max(100_000_000), name: z.string().max(200) })
  .strict();

function adminToken(c: Context): string {
  const match = /^Bearer (\S{1,256})$/.exec(c.req.header('authorization') ?? '');
  if (!match) throw new ApiHttpError(401, 'Admin token required (Authorization: Bearer <token>)');
  return match[1];
}

export function studyRoutes(ctx: ExplorerContext): Hono {
  const api = new Hono();
  const study = (): StudyService => {
    if (!ctx.study)
      throw new ApiHttpError(404, 'This run has no study (create one with `faultline study create`)');
    return ctx.study;
  };

  api.get('/task/:token', (c) => c.json(study().task(c.req.param('token'))));

  api.post('/task/:token/answers', async (c) => {
    const token = c.req.param('token');
    const answer = parseWith(answerBody, await jsonBody(c), 'answer');
    const result = study().submit(token, answer);
    return c.json(result, result.duplicate ? 200 : 201);
  });

  api.get('/admin/results', (c) => c.json(study().results(adminToken(c))));

  api.get('/admin/tasks/:taskId/answers', (c) => {
    const taskId = pathInt(c.req.param('taskId'), 'task id');
    return c.json({ answers: study().answers(adminToken(c), taskId) });
  });

  api.post('/admin/names', async (c) => {
    const token = adminToken(c);
    const { feature, name } = parseWith(nameBody, await jsonBody(c), 'name');
    return c.json(study().acceptName(token, feature, name));
  });

  return api;
}
