/**
 * Attribute distributions and sampling. "Balanced" draws every attribute uniformly and independently of the
 * class; a biased distribution re-weights attributes per class (how the planted failure modes are made).
 */
import {
  BACKGROUNDS,
  COLOUR_NAMES,
  LIGHTING,
  LIGHTING_NAMES,
  PATTERNS,
  SIZES,
  SIZE_NAMES,
  type Background,
  type Colour,
  type DemoClass,
  type Lighting,
  type Pattern,
  type SceneAttributes,
  type Size,
} from './attributes.js';
import { Prng } from './prng.js';

/** Relative weights per attribute value (missing values weigh 1) and probabilities of the binary effects. */
export interface AttributeWeights {
  background?: Partial<Record<Background, number>>;
  colour?: Partial<Record<Colour, number>>;
  pattern?: Partial<Record<Pattern, number>>;
  size?: Partial<Record<Size, number>>;
  lighting?: Partial<Record<Lighting, number>>;
  /** Probability of a grey occluder. */
  occluded?: number;
  /** Probability of blur / of pixel noise. */
  blurred?: number;
  noisy?: number;
}

export interface SceneDistribution {
  name: string;
  base: AttributeWeights;
  /** Overrides for one class, merged over `base` value by value. */
  perClass: Partial<Record<DemoClass, AttributeWeights>>;
  /** The label a scene is annotated with when it is not its class (planted annotation errors); none by default. */
  relabel?: (a: SceneAttributes) => DemoClass | undefined;
}

export const BALANCED_WEIGHTS: Required<Pick<AttributeWeights, 'occluded' | 'blurred' | 'noisy'>> = {
  occluded: 0.25,
  blurred: 0.2,
  noisy: 0.2,
};

export const BALANCED: SceneDistribution = { name: 'balanced', base: BALANCED_WEIGHTS, perClass: {} };

function pickWeighted<T extends string>(
  rng: Prng,
  values: readonly T[],
  ...layers: (Partial<Record<T, number>> | undefined)[]
): T {
  const weights = values.map((v) => {
    let w = 1;
    for (const layer of layers) if (layer && layer[v] !== undefined) w = layer[v] as number;
    return w;
  });
  return values[rng.weighted(weights)];
}

function prob(key: 'occluded' | 'blurred' | 'noisy', ...layers: (AttributeWeights | undefined)[]): number {
  let p: number = BALANCED_WEIGHTS[key];
  for (const layer of layers) if (layer && layer[key] !== undefined) p = layer[key] as number;
  return p;
}

/** Draws the attributes of one scene of class `cls`; the same seed always gives the same attributes. */
export function sampleScene(cls: DemoClass, dist: SceneDistribution, seed: number): SceneAttributes {
  const rng = new Prng(seed);
  const base = dist.base;
  const own = dist.perClass[cls];
  const background = pickWeighted(rng, BACKGROUNDS, base.background, own?.background);
  const colour = pickWeighted(rng, COLOUR_NAMES, base.colour, own?.colour);
  const pattern = pickWeighted(rng, PATTERNS, base.pattern, own?.pattern);
  const size = pickWeighted(rng, SIZE_NAMES, base.size, own?.size);
  const lighting = pickWeighted(rng, LIGHTING_NAMES, base.lighting, own?.lighting);
  const occluded = rng.chance(prob('occluded', base, own));
  const blurred = rng.chance(prob('blurred', base, own));
  const noisy = rng.chance(prob('noisy', base, own));
  const [smin, smax] = SIZES[size];
  const scale = rng.uniform(smin, smax);
  // Keep most of the object inside the frame: the centre may move by up to 40% of the free margin.
  const margin = Math.max(0, (1 - scale) / 2) * 0.8;
  const x = 0.5 + rng.uniform(-margin, margin);
  const y = 0.5 + rng.uniform(-margin, margin);
  const rotation = rng.uniform(-25, 25);
  const [lmin, lmax] = LIGHTING[lighting];
  const brightness = rng.uniform(lmin, lmax);
  const blur = blurred ? rng.uniform(0.8, 1.4) : 0;
  const noise = noisy ? rng.uniform(0.05, 0.09) : 0;
  return {
    seed,
    cls,
    background,
    colour,
    pattern,
    size,
    scale,
    x,
    y,
    rotation,
    occluded,
    lighting,
    brightness,
    blur,
    noise,
  };
}
