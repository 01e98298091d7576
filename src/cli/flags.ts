/**
 * Flag parsers shared by the commands, and the mapping from the library's option keys to flags: library errors
 * name the key of the options object ("Expected an integer >= 1 for topFeatures ..."), and the CLI shows the flag
 * the user typed ("... for --top-features ...").
 */
import { FaultlineError, invalidOption } from '../shared/errors.js';

type Parser<T> = (value: string) => T;

/** An integer >= min (and <= max when given); `expected` overrides the wording of the error. */
export function integer(flag: string, min: number, max?: number, expected?: string): Parser<number> {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || (max !== undefined && n > max)) {
      const range = max === undefined ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
      throw invalidOption(flag, expected ?? range, value);
    }
    return n;
  };
}

export const positiveInteger = (flag: string): Parser<number> =>
  integer(flag, 1, undefined, 'a positive integer');

export const nonNegativeInteger = (flag: string): Parser<number> =>
  integer(flag, 0, undefined, 'a non-negative integer');

/** A finite number > 0. */
export function positiveNumber(flag: string): Parser<number> {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw invalidOption(flag, 'a positive number', value);
    return n;
  };
}

/** A number in [0, 1]. */
export function unitFraction(flag: string): Parser<number> {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1)
      throw invalidOption(flag, 'a number in [0, 1]', value);
    return n;
  };
}

/** One of a fixed set of words. */
export function oneOf<T extends string>(flag: string, allowed: readonly T[], expected?: string): Parser<T> {
  return (value) => {
    if (!(allowed as readonly string[]).includes(value))
      throw invalidOption(flag, expected ?? allowed.join(' | '), value);
    return value as T;
  };
}

/** Comma-separated words, trimmed, empty ones dropped. */
export function commaList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Comma-separated integers >= 0 (e.g. feature indices). */
export function indexList(flag: string): Parser<number[]> {
  return (value) => value.split(',').map((part) => integer(flag, 0)(part.trim()));
}

/** Three comma-separated numbers. */
export function rgb(flag: string): Parser<[number, number, number]> {
  return (value) => {
    const parts = value.split(',').map((s) => Number(s.trim()));
    if (parts.length !== 3 || parts.some((v) => !Number.isFinite(v))) {
      throw invalidOption(flag, 'three comma-separated numbers (r,g,b)', value);
    }
    return [parts[0], parts[1], parts[2]];
  };
}

/** A SHA-256 digest (64 hex digits), lower-cased. */
export function sha256(value: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(value)) throw invalidOption('--sha256', '64 hexadecimal digits', value);
  return value.toLowerCase();
}

/** Option keys whose flag is not simply `--<key in kebab case>`. */
const FLAG_OF_KEY: Record<string, string> = {
  featureSet: '--features',
  predictionSet: '--predictions',
  'validation.fraction': '--held-out-fraction',
  features: '--feature',
  outRoot: '--out',
};

/** The flag that sets option `key` (e.g. topFeatures -> --top-features). */
export function flagFor(key: string): string {
  if (key.startsWith('-')) return key;
  return FLAG_OF_KEY[key] ?? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The message to print for an error: an option error names the flag instead of the library's key. */
export function cliMessage(error: FaultlineError): string {
  const option = error.details?.option;
  if (!option) return error.message;
  return invalidOption(flagFor(option.key), option.expected, option.actual).message;
}

/** A number strictly between 0 and 1. */
export function openFraction(flag: string): Parser<number> {
  return (value) => {
    const n = Number(value);
    if (!(n > 0 && n < 1)) throw invalidOption(flag, 'a number in (0, 1)', value);
    return n;
  };
}

/** Preprocessing modes a model's input can be overridden with. */
export const PREPROCESS_MODES = ['crop', 'resize'] as const;
