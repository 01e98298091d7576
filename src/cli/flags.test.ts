import { describe, expect, it } from 'vitest';
import { invalidOption } from '../shared/errors.js';
import { cliMessage, flagFor, integer, oneOf } from './flags.js';

describe('cli flags', () => {
  it('maps library option keys to the flags that set them', () => {
    expect(flagFor('depth')).toBe('--depth');
    expect(flagFor('topFeatures')).toBe('--top-features');
    expect(flagFor('featureSet')).toBe('--features');
    expect(flagFor('validation.fraction')).toBe('--held-out-fraction');
    expect(flagFor('--already-a-flag')).toBe('--already-a-flag');
    expect(cliMessage(invalidOption('minLeaf', 'an integer >= 1', 0))).toBe(
      'Expected an integer >= 1 for --min-leaf but received 0',
    );
  });

  it('parses and rejects values with one message shape', () => {
    expect(integer('--k', 1)('3')).toBe(3);
    expect(() => integer('--k', 1)('0')).toThrow('Expected an integer >= 1 for --k but received "0"');
    expect(() => integer('--port', 0, 65535)('70000')).toThrow(/an integer in \[0, 65535\]/);
    expect(oneOf('--x', ['a', 'b'] as const)('b')).toBe('b');
    expect(() => oneOf('--x', ['a', 'b'] as const)('c')).toThrow('Expected a | b for --x but received "c"');
  });
});
