/**
 * The fixed recipe of the demo: image size, seeds and sizes of the three generated datasets. The committed models
 * in models/demo/ were trained on exactly these (see models/demo/README.md); changing a value here means
 * retraining them.
 */
import { BALANCED, type SceneDistribution } from './sampler.js';
import { biasedDistribution } from './planted.js';

/** Square image side in pixels (the models' input size). */
export const DEMO_IMAGE_SIZE = 64;

export interface DemoDatasetRecipe {
  name: string;
  seed: number;
  perClass: number;
  valPerTen: number;
  distribution: SceneDistribution;
  png: boolean;
  npy: boolean;
}

export const DEMO_DATASETS = {
  /** The inspected model's training data: balanced except the planted slices (and their confounders). */
  trainBiased: {
    name: 'train-biased',
    seed: 101,
    perClass: 500,
    valPerTen: 0,
    distribution: biasedDistribution(),
    png: false,
    npy: true,
  },
  /** The robust model's training data: every attribute independent of the class. */
  trainBalanced: {
    name: 'train-balanced',
    seed: 202,
    perClass: 500,
    valPerTen: 0,
    distribution: BALANCED,
    png: false,
    npy: true,
  },
  /** What `npm run demo` analyses: balanced, with a 70/30 train/val split for held-out scoring. */
  evalBalanced: {
    name: 'eval-balanced',
    seed: 303,
    perClass: 300,
    valPerTen: 3,
    distribution: BALANCED,
    png: true,
    npy: false,
  },
} as const satisfies Record<string, DemoDatasetRecipe>;
