/** The explorer's read API (overview, class, mode, members, export, feature, compare) and in-place re-discovery. */
import { Hono } from 'hono';
import { z } from 'zod';
import type { ExplorerContext } from './context.js';
import type { DiscoverySettings } from '../shared/api/explorer.js';
import { lookupMode } from '../discover/discovery-file.js';
import { parseModeId } from '../discover/schema.js';
import type { ExplorerData } from '../explorer/explorer-data.js';
import { ApiHttpError, jsonBody, notFound, parseWith, pathInt, queryInt } from './http-errors.js';
import { visualSetsForFeature } from '../explorer/visuals.js';
import {
  allMembers,
  membersCsv,
  classView,
  compareView,
  modeMembers,
  modeView,
  overview,
  rulesUsingFeature,
} from '../explorer/views.js';

const overviewQuery = z
  .object({
    page: queryInt(1, 1_000_000, 1),
    pageSize: queryInt(1, 500, 50),
    q: z.string().max(200).default(''),
    sort: z.enum(['error', 'importance', 'failures', 'name', 'index']).default('error'),
  })
  .strict();

const membersQuery = z
  .object({
    kind: z.enum(['failures', 'successes']).default('failures'),
    page: queryInt(1, 1_000_000, 1),
    pageSize: queryInt(1, 500, 60),
  })
  .strict();

const pageQuery = z.object({ page: queryInt(1, 1_000_000, 1), pageSize: queryInt(1, 500, 50) }).strict();

export const settingsBody = z
  .object({
    depth: z.number().int().min(1).max(6),
    minLeaf: z.number().int().min(1).max(100_000),
    topFeatures: z.number().int().min(1).max(4096),
  })
  .strict();

function classIndexParam(data: ExplorerData, raw: string): number {
  const index = pathInt(raw, 'class index');
  if (index >= data.run.classes.length) throw notFound(`class ${index}`);
  return index;
}

function modeParam(data: ExplorerData, group: string, leaf: string) {
  const id = `${group}/${leaf}`;
  // Validated in the shape "<group key>/<leaf>" before any lookup.
  if (!parseModeId(id)) throw new ApiHttpError(400, 'Invalid mode id: expected <pred|label>-<class>/<leaf>');
  const found = lookupMode(data.groupsByClass.values(), id);
  if (!found) throw notFound(`failure mode ${id}`);
  return found;
}

export function explorerRoutes(ctx: ExplorerContext): Hono {
  const api = new Hono();
  const { data } = ctx;

  api.get('/overview', (c) => c.json(overview(data, parseWith(overviewQuery, c.req.query(), 'query'))));

  api.get('/classes/:index', (c) => {
    const index = classIndexParam(data, c.req.param('index'));
    return c.json(classView(data, index, ctx.namer, ctx.rediscover !== undefined));
  });

  api.post('/classes/:index/rediscover', async (c) => {
    const index = classIndexParam(data, c.req.param('index'));
    const settings: DiscoverySettings = parseWith(settingsBody, await jsonBody(c), 'settings');
    const { rediscover } = ctx;
    if (!rediscover) throw new ApiHttpError(501, 'Re-running discovery is not available in this server');
    if (!data.groupsByClass.has(index))
      throw new ApiHttpError(409, `class ${index} was not analysed by discovery`);
    await ctx.rediscoverQueue.run(async () => {
      const group = await rediscover(index, settings);
      data.groupsByClass.set(index, group);
      data.editedClasses.add(index);
    });
    const view = classView(data, index, ctx.namer, true);
    view.settings = settings;
    return c.json(view);
  });

  api.get('/modes/:group/:leaf', (c) => {
    const { group, mode } = modeParam(data, c.req.param('group'), c.req.param('leaf'));
    return c.json(modeView(data, group, mode, ctx.namer));
  });

  api.get('/modes/:group/:leaf/members', (c) => {
    const { mode } = modeParam(data, c.req.param('group'), c.req.param('leaf'));
    return c.json(modeMembers(data, mode, parseWith(membersQuery, c.req.query(), 'query')));
  });

  api.get('/modes/:group/:leaf/export.csv', (c) => {
    const { mode } = modeParam(data, c.req.param('group'), c.req.param('leaf'));
    const csv = membersCsv(allMembers(data, mode));
    const file = `mode-${mode.id.replace('/', '-leaf-')}.csv`;
    return c.body(csv, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${file}"`,
    });
  });

  api.get('/features/:feature', (c) => {
    const feature = pathInt(c.req.param('feature'), 'feature index');
    return c.json({
      feature,
      name: ctx.namer(-1, feature),
      visuals: visualSetsForFeature(data, feature),
      rules: rulesUsingFeature(data, feature, ctx.namer),
      study: ctx.study?.featureResults(feature) ?? [],
    });
  });

  api.get('/compare', (c) => {
    const query = parseWith(pageQuery, c.req.query(), 'query');
    const others = new Map<string, Int32Array>();
    for (const name of Object.keys(data.run.manifest.predictions)) {
      if (name === data.predictionSet) continue;
      others.set(
        name,
        Int32Array.from(data.run.predictions(name), (p) => p.prediction),
      );
    }
    if (others.size === 0)
      throw new ApiHttpError(404, 'This run has only one prediction set; nothing to compare');
    return c.json(compareView(data, others, query, ctx.namer));
  });

  return api;
}
