/**
 * The model spec: a small JSON file next to an ONNX model (same basename, .json) or given with --spec, saying how
 * to feed the model and which outputs mean what. Everything it leaves out is auto-detected from the graph.
 */
import { z } from 'zod';
import { existsSync } from 'node:fs';
import { fileError } from '../shared/errors.js';
import { readJson } from '../run/tables.js';

export const MODEL_SPEC_FORMAT = 'faultline-model-spec/1';

const rgb = z.tuple([z.number(), z.number(), z.number()]);

export const modelSpecSchema = z
  .object({
    format: z.literal(MODEL_SPEC_FORMAT).optional(),
    name: z.string().optional(),
    input: z
      .object({
        name: z.string().optional(),
        width: z.number().int().positive().optional(),
        height: z.number().int().positive().optional(),
      })
      .optional(),
    preprocess: z
      .object({ mode: z.enum(['crop', 'resize']), resize: z.number().int().positive().optional() })
      .optional(),
    normalize: z.object({ mean: rgb, std: rgb }).optional(),
    outputs: z
      .object({
        logits: z.string().optional(),
        features: z.string().optional(),
        featureMap: z.string().optional(),
      })
      .optional(),
    /** How the model was made robust: L2 eps in [0,1] pixels at the model's input size (`size`), and the
     * training size and eps when it was trained at another resolution. Attack defaults follow it. */
    robustness: z
      .object({
        norm: z.literal('L2'),
        eps: z.number().positive(),
        size: z.number().int().positive(),
        trainedAt: z.object({ eps: z.number().positive(), size: z.number().int().positive() }).optional(),
      })
      .optional(),
    classes: z
      .array(
        z.object({ index: z.number().int().nonnegative(), name: z.string(), wnid: z.string().optional() }),
      )
      .optional(),
  })
  .passthrough();

export type ModelSpecFile = z.infer<typeof modelSpecSchema>;

/** Reads and validates a spec file; the error names the file and the offending field. */
export function readModelSpec(file: string): ModelSpecFile {
  if (!existsSync(file)) throw fileError(file, 'model spec not found');
  const parsed = modelSpecSchema.safeParse(readJson<unknown>(file));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw fileError(file, `invalid model spec at "${issue.path.join('.') || '(root)'}": ${issue.message}`);
  }
  return parsed.data;
}

/** The spec that sits next to a model: foo.onnx -> foo.json. */
export function siblingSpecPath(modelPath: string): string {
  return modelPath.replace(/\.onnx$/i, '') + '.json';
}
