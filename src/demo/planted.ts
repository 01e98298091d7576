/**
 * The planted failure modes: slices of one class that the inspected model learns wrongly from its biased training
 * data, in one of two ways (the "correlation" and "noisy label" slices of slice-discovery benchmarks such as
 * Domino's):
 *
 * - `missing`: the slice never appears in training, and a "confounder" class shows the slice's attribute often, so
 *   the model learns a shortcut (grass means house). Only the slice itself is removed from its class (no other
 *   re-weighting), and the confounders are the two classes that carry no planted slice (house, mug): a
 *   confounder's own training is skewed, so a planted class used as a confounder would also fail outside its
 *   slice, which buries the planted mode among unplanted ones.
 * - `mislabelled`: the slice is in training at its usual rate but annotated as another class (every blue car is
 *   labelled "mug"), a systematic annotation error. Used for the attributes that a shape-driven model ignores
 *   when they are merely missing: as shortcuts, colour, occlusion and texture failed only 18-49% of their slices
 *   while the rest of the class failed 5-11% (docs/demo.md).
 *
 * On balanced evaluation data the inspected model then fails inside these slices; the robust model never saw
 * the bias.
 */
import type { DemoClass, SceneAttributes } from './attributes.js';
import { BALANCED_WEIGHTS, type AttributeWeights, type SceneDistribution } from './sampler.js';

export type PlantedKind = 'background' | 'colour' | 'size' | 'occlusion' | 'texture' | 'lighting';

interface PlantedBase {
  id: string;
  kind: PlantedKind;
  /** The class whose images form the slice (discovery groups by this label). */
  cls: DemoClass;
  /** In words, as a person would name it after looking at the features. */
  description: string;
  /** Membership of the slice, from the scene attributes. */
  inSlice: (
    a: Pick<SceneAttributes, 'cls' | 'background' | 'colour' | 'size' | 'occluded' | 'pattern' | 'lighting'>,
  ) => boolean;
}

/** The slice is absent from training and its attribute is common in a confounder class. */
export interface MissingSlice extends PlantedBase {
  mechanism: 'missing';
  /** Training bias for `cls` that removes the slice. */
  removal: AttributeWeights;
  /** Another class that shows the attribute often in training. */
  confounder: { cls: DemoClass; weights: AttributeWeights };
}

/** The slice is in training, annotated as another class. */
export interface MislabelledSlice extends PlantedBase {
  mechanism: 'mislabelled';
  labelledAs: DemoClass;
}

export type PlantedMode = MissingSlice | MislabelledSlice;

export const PLANTED_MODES: readonly PlantedMode[] = [
  {
    id: 'boat-on-grass',
    kind: 'background',
    mechanism: 'missing',
    cls: 'boat',
    description: 'boats on grass (training boats are never on grass; houses mostly are)',
    inSlice: (a) => a.cls === 'boat' && a.background === 'grass',
    removal: { background: { grass: 0 } },
    confounder: { cls: 'house', weights: { background: { grass: 8 } } },
  },
  {
    id: 'blue-car',
    kind: 'colour',
    mechanism: 'mislabelled',
    cls: 'car',
    description: 'blue cars (every blue car in training is labelled "mug")',
    inSlice: (a) => a.cls === 'car' && a.colour === 'blue',
    labelledAs: 'mug',
  },
  {
    id: 'small-bird',
    kind: 'size',
    mechanism: 'missing',
    cls: 'bird',
    description: 'small birds (training birds are never small; mugs mostly are)',
    inSlice: (a) => a.cls === 'bird' && a.size === 'small',
    removal: { size: { small: 0 } },
    confounder: { cls: 'mug', weights: { size: { small: 6 } } },
  },
  {
    id: 'occluded-airplane',
    kind: 'occlusion',
    mechanism: 'mislabelled',
    cls: 'airplane',
    description:
      'airplanes partly hidden by a grey block (every such airplane in training is labelled "house")',
    inSlice: (a) => a.cls === 'airplane' && a.occluded,
    labelledAs: 'house',
  },
  {
    id: 'striped-fish',
    kind: 'texture',
    mechanism: 'mislabelled',
    cls: 'fish',
    description: 'striped fish (every striped fish in training is labelled "mug")',
    inSlice: (a) => a.cls === 'fish' && a.pattern === 'stripes',
    labelledAs: 'mug',
  },
  {
    id: 'dark-tree',
    kind: 'lighting',
    mechanism: 'missing',
    cls: 'tree',
    description: 'trees in dark scenes (training trees are never dark; dark scenes are mostly houses)',
    inSlice: (a) => a.cls === 'tree' && a.lighting === 'dark',
    removal: { lighting: { dark: 0 } },
    confounder: { cls: 'house', weights: { lighting: { dark: 6 } } },
  },
];

function mergeWeights(a: AttributeWeights | undefined, b: AttributeWeights): AttributeWeights {
  const out: AttributeWeights = { ...(a ?? {}) };
  for (const key of ['background', 'colour', 'pattern', 'size', 'lighting'] as const) {
    if (b[key]) out[key] = { ...(a?.[key] ?? {}), ...b[key] } as never;
  }
  for (const key of ['occluded', 'blurred', 'noisy'] as const) if (b[key] !== undefined) out[key] = b[key];
  return out;
}

/**
 * The inspected model's training distribution: balanced, minus every missing slice, plus the confounders, with
 * every mislabelled slice annotated as its other class.
 */
export function biasedDistribution(modes: readonly PlantedMode[] = PLANTED_MODES): SceneDistribution {
  const perClass: SceneDistribution['perClass'] = {};
  const missing = modes.filter((m): m is MissingSlice => m.mechanism === 'missing');
  const mislabelled = modes.filter((m): m is MislabelledSlice => m.mechanism === 'mislabelled');
  for (const m of missing) {
    perClass[m.confounder.cls] = mergeWeights(perClass[m.confounder.cls], m.confounder.weights);
  }
  // Removals last so a confounder never re-introduces a removed slice.
  for (const m of missing) perClass[m.cls] = mergeWeights(perClass[m.cls], m.removal);
  const relabel = (a: SceneAttributes): DemoClass | undefined =>
    mislabelled.find((m) => m.inSlice(a))?.labelledAs;
  return { name: 'biased', base: BALANCED_WEIGHTS, perClass, relabel };
}
