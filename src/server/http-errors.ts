/**
 * Request validation and the mapping of every failure to a JSON error: 4xx with a clear message for anything the
 * client can fix, 500 with a generic message (details only in the server log) for bugs.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z, type ZodType, type ZodTypeDef } from 'zod';
import { FaultlineError } from '../shared/errors.js';
import type { ApiError } from '../shared/api/explorer.js';
import { PathRefusedError } from '../explorer/safe-path.js';

/** A client error with a status and a message safe to show. */
export class ApiHttpError extends Error {
  override readonly name = 'ApiHttpError';
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly issues?: ApiError['issues'],
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiHttpError(404, `${what} not found`);

/** Parses `value` with `schema` or throws a 400 naming each bad field. */
export function parseWith<T>(schema: ZodType<T, ZodTypeDef, unknown>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
  const first = issues[0];
  throw new ApiHttpError(400, `Invalid ${what}: ${first.path}: ${first.message}`, issues);
}

/** Reads a JSON body; a missing or malformed body is a 400, not a crash. */
export async function jsonBody(c: Context): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  if (!type.toLowerCase().startsWith('application/json')) {
    throw new ApiHttpError(415, 'Expected a JSON body (Content-Type: application/json)');
  }
  try {
    return await c.req.json();
  } catch (error) {
    if (error instanceof HTTPException) throw error;
    throw new ApiHttpError(400, 'Malformed JSON in request body');
  }
}

/** Query-string integers: "12" -> 12, with bounds and a default. */
export const queryInt = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** Path-segment integer (class index, sample row, feature index). */
export function pathInt(raw: string, what: string, max = 100_000_000): number {
  if (!/^\d{1,9}$/.test(raw)) throw new ApiHttpError(400, `Invalid ${what}: expected a non-negative integer`);
  const n = Number(raw);
  if (n > max) throw new ApiHttpError(404, `${what} ${n} not found`);
  return n;
}

export function errorResponse(error: unknown, c: Context): Response {
  let status: ContentfulStatusCode = 500;
  let body: ApiError = { error: 'Internal server error' };
  if (error instanceof ApiHttpError) {
    status = error.status;
    body = { error: error.message, ...(error.issues ? { issues: error.issues } : {}) };
  } else if (error instanceof PathRefusedError) {
    status = 403;
    body = { error: `Refused: ${error.message}` };
  } else if (error instanceof FaultlineError) {
    // Study errors carry their own status (401 unknown token, 403 wrong role, 404, 409 conflict).
    const own = (error as FaultlineError & { status?: unknown }).status;
    status = typeof own === 'number' && own >= 400 && own < 500 ? (own as ContentfulStatusCode) : 400;
    const fields = (error as FaultlineError & { fields?: Record<string, string> }).fields;
    body = {
      error: error.message,
      ...(fields ? { issues: Object.entries(fields).map(([path, message]) => ({ path, message })) } : {}),
    };
  } else if (error instanceof HTTPException) {
    status = error.status as ContentfulStatusCode;
    body = { error: error.message || 'Request refused' };
  } else {
    console.error(error);
  }
  return c.json(body, status);
}
