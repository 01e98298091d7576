import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSyntheticRun, type SyntheticRun } from '../../test/e2e/synthetic-run.js';
import { createStudy, Study } from '../study/index.js';
import { escapeHtml, html } from './html.js';
import { writeReport, type ReportSummary } from './report.js';

const HOSTILE_CLASS = '<img src=x onerror="alert(1)">';
const HOSTILE_ANSWER = '<script>alert(2)</script>';
let dir: string;
let run: SyntheticRun;
let out: string;
let summary: ReportSummary;

function htmlFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.html'))
    .map((f) => join(root, f));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'faultline-report-'));
  run = await buildSyntheticRun({
    dir,
    classes: 4,
    samplesPerClass: 24,
    visuals: true,
    classNames: { 0: HOSTILE_CLASS },
    extractWarnings: [`int8 kernels saturate ${HOSTILE_ANSWER}`],
  });
  const created = createStudy(run.runDir, {
    features: 'top-modes',
    workersPerTask: 1,
    annotators: 1,
    goldFraction: 0,
  });
  const study = Study.open(run.runDir);
  const task = study.nextTask(created.annotatorTokens[0].token).task!;
  study.submitAnswer(created.annotatorTokens[0].token, task.taskId, {
    main: 'separate_object',
    confidence: 3,
    reasons: HOSTILE_ANSWER,
  });
  study.acceptName('robust', run.modeFeature(0), '<b>handle</b>');
  study.close();
  out = join(dir, 'report');
  summary = await writeReport({ runDir: run.runDir, outDir: out, failureImages: 4, successImages: 2 });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('html escaping', () => {
  it('escapes interpolations but not nested fragments', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(html`<p>${'<b>'}${html`<i>${'&'}</i>`}${[1, '<']}</p>`.value).toBe(
      '<p>&lt;b&gt;<i>&amp;</i>1&lt;</p>',
    );
  });
});

describe('static report', () => {
  it('writes overview, class, mode and feature pages with copied images', () => {
    expect(summary).toMatchObject({ classes: 4, modes: 4 });
    expect(summary.features).toBeGreaterThanOrEqual(1);
    expect(summary.images).toBeGreaterThan(0);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
    expect(existsSync(join(out, 'features', `${run.modeFeature(0)}.html`))).toBe(true);
    expect(readdirSync(join(out, 'visuals', 'pred-0', `feature-${run.modeFeature(0)}`))).toContain(
      'heatmap-1.png',
    );
    const csv = readFileSync(join(out, 'csv', 'pred-0-2.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe('row,id,label,label_name,prediction,prediction_name,failure');
  });

  it('escapes every string: class names, accepted names and free text never become markup', () => {
    for (const file of htmlFiles(out)) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toContain('<img src=x');
      expect(text, file).not.toContain('<script');
      expect(text, file).not.toContain('<b>handle');
    }
    const classPage = readFileSync(join(out, 'classes', '0.html'), 'utf8');
    expect(classPage).toContain(escapeHtml(HOSTILE_CLASS));
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain(
      `warning from extraction: int8 kernels saturate ${escapeHtml(HOSTILE_ANSWER)}`,
    );
    expect(classPage).toContain(`feature ${run.modeFeature(0)} &#39;&lt;b&gt;handle&lt;/b&gt;&#39;`);
  });

  it('has only relative links, all to files inside the report', () => {
    for (const file of htmlFiles(out)) {
      const text = readFileSync(file, 'utf8');
      for (const [, url] of text.matchAll(/(?:href|src)="([^"]+)"/g)) {
        expect(url, file).not.toMatch(/^[a-z]+:|^\//i);
        const target = resolve(dirname(file), url);
        expect(target.startsWith(out), url).toBe(true);
        expect(existsSync(target), `${file} -> ${url}`).toBe(true);
      }
    }
  });
});
