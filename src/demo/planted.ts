/**
 * The planted failure modes: slices of one class that the inspected model never sees in training (plus a
 * "confounder" class that shows the slice's attribute often, so the model learns a shortcut). On balanced
 * evaluation data the inspected model then fails inside these slices; the robust model never saw the bias.
 *
 * Only the slice itself is removed from its class (no other re-weighting), and the confounders are the two classes
 * that carry no planted slice (house, mug): a confounder's own training is skewed, so a planted class used as a
 * confounder would also fail outside its slice (e.g. boats trained mostly blue fail when they are not), which
 * buries the planted mode among unplanted ones.
 */
import type { DemoClass, SceneAttributes } from './attributes.js';
import { BALANCED_WEIGHTS, type AttributeWeights, type SceneDistribution } from './sampler.js';

export type PlantedKind = 'background' | 'colour' | 'size' | 'occlusion' | 'texture' | 'lighting';

export interface PlantedMode {
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
  /** Training bias for `cls` that removes the slice. */
  removal: AttributeWeights;
  /** Another class that shows the attribute often in training. */
  confounder: { cls: DemoClass; weights: AttributeWeights };
}

export const PLANTED_MODES: readonly PlantedMode[] = [
  {
    id: 'boat-on-grass',
    kind: 'background',
    cls: 'boat',
    description: 'boats on grass (training boats are never on grass; houses mostly are)',
    inSlice: (a) => a.cls === 'boat' && a.background === 'grass',
    removal: { background: { grass: 0 } },
    confounder: { cls: 'house', weights: { background: { grass: 8 } } },
  },
  {
    id: 'blue-car',
    kind: 'colour',
    cls: 'car',
    description: 'blue cars (training cars are never blue; mugs mostly are)',
    inSlice: (a) => a.cls === 'car' && a.colour === 'blue',
    removal: { colour: { blue: 0 } },
    confounder: { cls: 'mug', weights: { colour: { blue: 12 } } },
  },
  {
    id: 'small-bird',
    kind: 'size',
    cls: 'bird',
    description: 'small birds (training birds are never small; mugs mostly are)',
    inSlice: (a) => a.cls === 'bird' && a.size === 'small',
    removal: { size: { small: 0 } },
    confounder: { cls: 'mug', weights: { size: { small: 6 } } },
  },
  {
    id: 'occluded-airplane',
    kind: 'occlusion',
    cls: 'airplane',
    description: 'airplanes partly hidden by a grey block (never occluded in training; houses mostly are)',
    inSlice: (a) => a.cls === 'airplane' && a.occluded,
    removal: { occluded: 0 },
    confounder: { cls: 'house', weights: { occluded: 0.85 } },
  },
  {
    id: 'striped-fish',
    kind: 'texture',
    cls: 'fish',
    description: 'striped fish (training fish are never striped; mugs mostly are)',
    inSlice: (a) => a.cls === 'fish' && a.pattern === 'stripes',
    removal: { pattern: { stripes: 0 } },
    confounder: { cls: 'mug', weights: { pattern: { stripes: 8 } } },
  },
  {
    id: 'dark-tree',
    kind: 'lighting',
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

/** The inspected model's training distribution: balanced, minus every planted slice, plus the confounders. */
export function biasedDistribution(modes: readonly PlantedMode[] = PLANTED_MODES): SceneDistribution {
  const perClass: SceneDistribution['perClass'] = {};
  for (const m of modes) {
    perClass[m.confounder.cls] = mergeWeights(perClass[m.confounder.cls], m.confounder.weights);
  }
  // Removals last so a confounder never re-introduces a removed slice.
  for (const m of modes) perClass[m.cls] = mergeWeights(perClass[m.cls], m.removal);
  return { name: 'biased', base: BALANCED_WEIGHTS, perClass };
}
