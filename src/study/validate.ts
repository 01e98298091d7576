/** Declarative validation of everything that enters the study from outside (web requests, CLI flags, CSV rows). */
import { z } from 'zod';
import { StudyError } from './errors.js';
import { LABELS, type AnswerInput } from './types.js';

export const MAX_REASONS_LENGTH = 2000;

export const labelSchema = z.enum(LABELS);

export const answerInputSchema = z
  .object({
    main: labelSchema,
    confidence: z.number().int().min(1).max(5),
    reasons: z.string().max(MAX_REASONS_LENGTH),
  })
  .strict();

/** Defaults of createStudy's options (5 answers per pair as in the paper; gold checks of docs/method.md §7). */
export const CREATE_STUDY_DEFAULTS = {
  workersPerTask: 5,
  featuresPerClass: 5,
  goldFraction: 0.1,
  goldThreshold: 0.6,
  goldMinAnswers: 3,
  goldCount: 30,
} as const;

export const createStudyOptionsSchema = z
  .object({
    features: z.enum(['top-modes', 'top-per-class']),
    workersPerTask: z.number().int().min(1).max(100).default(CREATE_STUDY_DEFAULTS.workersPerTask),
    featuresPerClass: z.number().int().min(1).max(10_000).default(CREATE_STUDY_DEFAULTS.featuresPerClass),
    annotators: z.number().int().min(0).max(10_000).optional(),
    goldFraction: z.number().min(0).max(1).default(CREATE_STUDY_DEFAULTS.goldFraction),
    goldThreshold: z.number().min(0).max(1).default(CREATE_STUDY_DEFAULTS.goldThreshold),
    goldMinAnswers: z.number().int().min(1).default(CREATE_STUDY_DEFAULTS.goldMinAnswers),
    goldFrom: z.string().optional(),
    goldCount: z.number().int().min(0).default(CREATE_STUDY_DEFAULTS.goldCount),
    featureSet: z.string().min(1).optional(),
  })
  .strict();

/** Turns a zod failure into a 400 StudyError whose message names each bad field. */
export function parseOrThrow<T>(
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
  value: unknown,
  what: string,
): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const fields: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    fields[path] ??= issue.message;
  }
  const summary = Object.entries(fields)
    .map(([path, message]) => `${path}: ${message}`)
    .join('; ');
  throw new StudyError('invalid-input', `Invalid ${what}: ${summary}`, fields);
}

export function parseAnswerInput(value: unknown): AnswerInput {
  return parseOrThrow(answerInputSchema, value, 'answer');
}

export function parseTaskId(value: unknown): number {
  const id = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
    throw new StudyError(
      'invalid-input',
      `Invalid task id: expected a positive integer but received ${String(value)}`,
    );
  }
  return id;
}
