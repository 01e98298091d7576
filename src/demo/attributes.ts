/**
 * The attributes of one demo scene: everything the generator decides before drawing, stored per image so the
 * planted failure modes have a known ground truth.
 */

export const DEMO_CLASSES = ['boat', 'car', 'bird', 'fish', 'house', 'tree', 'airplane', 'mug'] as const;
export type DemoClass = (typeof DEMO_CLASSES)[number];

export const BACKGROUNDS = ['water', 'grass', 'sky', 'indoor', 'snow'] as const;
export type Background = (typeof BACKGROUNDS)[number];

/** Object colours; hex values are the body fill before lighting. */
export const COLOURS = {
  red: '#d7261e',
  orange: '#f07f13',
  yellow: '#f3d221',
  green: '#2f9e44',
  blue: '#1f5fd6',
  purple: '#8e3bc4',
} as const;
export type Colour = keyof typeof COLOURS;
export const COLOUR_NAMES = Object.keys(COLOURS) as Colour[];

/** Surface pattern of the object body. */
export const PATTERNS = ['plain', 'stripes', 'dots'] as const;
export type Pattern = (typeof PATTERNS)[number];

/** Object size classes; `scale` is the object's extent as a fraction of the image side. */
export const SIZES = { small: [0.3, 0.38], medium: [0.5, 0.6], large: [0.72, 0.85] } as const;
export type Size = keyof typeof SIZES;
export const SIZE_NAMES = Object.keys(SIZES) as Size[];

/** Lighting classes; `brightness` multiplies every pixel. */
export const LIGHTING = { dark: [0.42, 0.52], normal: [0.9, 1.1], bright: [1.2, 1.32] } as const;
export type Lighting = keyof typeof LIGHTING;
export const LIGHTING_NAMES = Object.keys(LIGHTING) as Lighting[];

export interface SceneAttributes {
  /** Per-image seed: drives the texture, pattern phase, occluder shape and noise. */
  seed: number;
  cls: DemoClass;
  background: Background;
  colour: Colour;
  pattern: Pattern;
  size: Size;
  /** Object extent / image side, in [0, 1]. */
  scale: number;
  /** Object centre in image fractions (0 = left/top edge). */
  x: number;
  y: number;
  /** Degrees, clockwise. */
  rotation: number;
  occluded: boolean;
  lighting: Lighting;
  brightness: number;
  /** Gaussian blur sigma in pixels (0 = sharp). */
  blur: number;
  /** Standard deviation of additive Gaussian pixel noise, in [0, 1] intensity units (0 = clean). */
  noise: number;
}

/** Derived facts measured while drawing (not chosen up front). */
export interface SceneMeasurements {
  /** Fraction of the image covered by the object before occlusion. */
  objectArea: number;
  /** Fraction of the object's pixels hidden by the occluder (0 when not occluded). */
  occludedFraction: number;
}

export type SceneRecord = SceneAttributes &
  SceneMeasurements & {
    id: string;
    split: string;
    index: number;
    /** The class the dataset annotates the image with: `cls`, except in planted annotation errors. */
    label: DemoClass;
  };

/** Column order of attributes.csv. */
export const ATTRIBUTE_COLUMNS = [
  'id',
  'index',
  'split',
  'cls',
  'label',
  'background',
  'colour',
  'pattern',
  'size',
  'scale',
  'x',
  'y',
  'rotation',
  'occluded',
  'occludedFraction',
  'lighting',
  'brightness',
  'blur',
  'noise',
  'objectArea',
  'seed',
] as const;

/** One attributes.csv row, numbers rounded so the file is stable and readable. */
export function attributeRow(r: SceneRecord): (string | number)[] {
  const round = (v: number, d: number): number => Number(v.toFixed(d));
  return [
    r.id,
    r.index,
    r.split,
    r.cls,
    r.label,
    r.background,
    r.colour,
    r.pattern,
    r.size,
    round(r.scale, 4),
    round(r.x, 4),
    round(r.y, 4),
    round(r.rotation, 2),
    r.occluded ? 1 : 0,
    round(r.occludedFraction, 4),
    r.lighting,
    round(r.brightness, 4),
    round(r.blur, 3),
    round(r.noise, 4),
    round(r.objectArea, 4),
    r.seed,
  ];
}
