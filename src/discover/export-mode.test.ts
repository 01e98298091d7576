import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { formatDiscovery } from '../cli/commands/discover.js';
import { loadRun } from '../run/load.js';
import { discover, writeDiscovery } from './discover.js';
import { memberCsv, modeMembers, readDiscovery } from './export-mode.js';
import { seededRandom, writeSyntheticRun } from '../../test/support/synthetic-run.js';

const dir = mkdtempSync(join(tmpdir(), 'faultline-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('export-mode', () => {
  it('lists the members of a mode with labels, predictions, failure flags and the rule features', async () => {
    const rand = seededRandom(11);
    const cols = 6;
    const values = Array.from({ length: 300 }, () => Array.from({ length: cols }, () => rand()));
    const samples = values.map((v) => ({
      label: rand() < (v[2] <= 0.4 ? 0.9 : 0.05) ? 1 : 0,
      prediction: 0,
    }));
    writeSyntheticRun({
      dir,
      classNames: ['jug', 'cup'],
      samples,
      cols,
      fillRows: (start, out) =>
        out.forEach((_, k) => (out[k] = values[start + Math.floor(k / cols)][k % cols])),
    });
    const run = loadRun(dir);
    const result = await discover(run);
    await expect(discover(run, { validation: { kind: 'split', heldOutSplit: '' } })).rejects.toThrow(
      /nothing would be left/,
    );
    writeDiscovery(run, result);
    const mode = result.groups[0].modes[0];
    const table = modeMembers(run, readDiscovery(run), mode.id);
    const rows = parse(memberCsv(table), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(mode.members.length);
    expect(Object.keys(rows[0])).toEqual([
      'id',
      'path',
      'label',
      'label_name',
      'prediction',
      'prediction_name',
      'failure',
      'feature_2',
    ]);
    for (const r of rows) {
      expect(Number(r.feature_2)).toBeLessThanOrEqual(mode.conditions[0].threshold);
      expect(r.failure).toBe(r.label === r.prediction ? '0' : '1');
    }
    expect(() => modeMembers(run, result, 'pred-0/99')).toThrow(/no failure mode "pred-0\/99"/);
    const text = formatDiscovery(result, 5, 2);
    expect(text).toContain('jug [pred-0]');
    expect(text).toContain(mode.rule);
  });
});
