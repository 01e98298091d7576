import { describe, expect, it } from 'vitest';
import { proposeNames } from './name-proposals.js';

describe('proposeNames', () => {
  it('prefers a frequent bigram, drops study vocabulary and the class name', () => {
    const texts = [
      'The focus of the red region is on the jug handle.',
      'Highlighted region shows the handle of the water jug',
      'jug handle, clearly',
      'I think it is the handle',
      'the red region is on the handle of the jug near the spout',
    ];
    const names = proposeNames(texts, { className: 'water_jug' });
    expect(names[0]).toEqual({ name: 'handle', answers: 5 });
    // "jug" is part of the class name, so no "jug handle" bigram; 'spout' is in one answer only
    expect(names.map((n) => n.name)).not.toContain('spout');
    expect(names.map((n) => n.name)).not.toContain('jug');
    expect(names.map((n) => n.name)).not.toContain('region');
  });

  it('returns a bigram when several answers share it', () => {
    const texts = ['steering wheel of the car', 'a steering wheel', 'dashboard and steering wheel', 'wheel'];
    const names = proposeNames(texts, { className: 'sports_car' });
    expect(names[0]).toEqual({ name: 'steering wheel', answers: 3 });
    // the bigram stands for its own words
    expect(names.find((n) => n.name === 'steering' || n.name === 'wheel')).toBeUndefined();
    expect(names).toHaveLength(1);
  });

  it('counts each candidate once per answer and is empty for empty input', () => {
    expect(proposeNames(['fence fence fence fence', 'grass fence'])).toEqual([{ name: 'fence', answers: 2 }]);
    expect(proposeNames(['wooden fence'])).toEqual([{ name: 'wooden fence', answers: 1 }]);
    expect(proposeNames([])).toEqual([]);
    expect(proposeNames(['the red region is on the main object'])).toEqual([]);
  });
});
