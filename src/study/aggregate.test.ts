import { describe, expect, it } from 'vitest';
import { aggregateStudy, isSpurious } from './aggregate.js';
import type { Label, StudyInfo, TaskRecord } from './types.js';

const counts = (main_object: number, separate_object: number, background: number) => ({
  main_object,
  separate_object,
  background,
});

describe('isSpurious (docs/method.md: >= 3 of 5 say separate object or background)', () => {
  it('is exactly the paper rule for 5 workers', () => {
    expect(isSpurious(counts(2, 2, 1))).toBe(true);
    expect(isSpurious(counts(2, 0, 3))).toBe(true);
    expect(isSpurious(counts(3, 1, 1))).toBe(false);
    expect(isSpurious(counts(5, 0, 0))).toBe(false);
  });
  it('generalises to a strict majority for other counts (a tie is core)', () => {
    expect(isSpurious(counts(1, 1, 1))).toBe(true); // 2 of 3
    expect(isSpurious(counts(2, 1, 0))).toBe(false);
    expect(isSpurious(counts(2, 1, 1))).toBe(false); // 2 of 4: tie
    expect(isSpurious(counts(1, 2, 1))).toBe(true); // 3 of 4
    expect(isSpurious(counts(0, 0, 1))).toBe(true); // 1 of 1
    expect(isSpurious(counts(3, 2, 1))).toBe(false); // 3 of 6
  });
});

describe('aggregateStudy', () => {
  const study: StudyInfo = {
    id: 1,
    createdAt: '',
    featureSelection: 'import',
    featureSet: 'robust',
    workersPerTask: 3,
    goldFraction: 0,
    goldThreshold: 0.6,
    goldMinAnswers: 1,
  };
  const task = (taskId: number, goldAnswer: Label | null = null): TaskRecord => ({
    taskId,
    featureSet: 'robust',
    classIndex: taskId,
    className: null,
    wnid: null,
    featureIndex: 10 + taskId,
    featureRank: 1,
    goldAnswer,
    source: 'import',
  });
  const a = (annotatorId: number, taskId: number, main: Label, confidence = 3) => ({
    annotatorId,
    taskId,
    main,
    confidence,
    reasons: '',
  });

  it('breaks majority ties by summed confidence, then main > separate > background', () => {
    const r = aggregateStudy({
      study,
      tasks: [task(1), task(2)],
      answers: [
        a(1, 1, 'background', 5),
        a(2, 1, 'main_object', 2),
        a(1, 2, 'separate_object'),
        a(2, 2, 'main_object'),
      ],
      annotators: [],
    });
    expect(r.pairs.map((p) => p.majority)).toEqual(['background', 'main_object']);
    expect(r.pairs.map((p) => p.verdict)).toEqual(['core', 'core']);
    expect(r.totals.annotators).toBe(2);
  });

  it('leaves gold tasks out of the pairs and a flagged annotator out of every count', () => {
    const r = aggregateStudy({
      study,
      tasks: [task(1, 'background'), task(2)],
      answers: [a(1, 1, 'background'), a(2, 1, 'main_object'), a(1, 2, 'main_object'), a(2, 2, 'background')],
      annotators: [],
    });
    expect(r.pairs.map((p) => p.taskId)).toEqual([2]);
    expect(r.pairs[0].counts).toEqual(counts(1, 0, 0));
    expect(r.totals).toMatchObject({
      answers: 1,
      excludedAnswers: 1,
      flaggedAnnotators: 1,
      unanimousPairs: 1,
    });
    expect(r.annotators.map((q) => [q.annotatorId, q.goldAccuracy, q.flagged])).toEqual([
      [1, 1, false],
      [2, 0, true],
    ]);
  });
});
