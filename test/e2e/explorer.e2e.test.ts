/**
 * End-to-end: a real server on a random loopback port, Debian chromium, the built front end. Walks overview ->
 * class -> mode -> feature, completes a study task and checks the answer is in the database, checks that a
 * <script> answer is shown as text, and times the first paint of a 1000-class overview. Screenshots go to
 * test-artifacts/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { createStudy, Study, type CreatedStudy } from '../../src/study/index.js';
import { ARTIFACTS, WEB_DIST, ensureWebBuild, hasChromium, launchChromium } from './browser.js';
import { buildSyntheticRun, type SyntheticRun } from './synthetic-run.js';

describe.skipIf(!hasChromium)('explorer in a browser', () => {
  const withStudy = <T>(fn: (s: Study) => T): T => {
    const study = Study.open(run.runDir);
    try {
      return fn(study);
    } finally {
      study.close();
    }
  };
  let dir: string;
  let run: SyntheticRun;
  let created: CreatedStudy;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    ensureWebBuild();
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'faultline-e2e-'));
    run = await buildSyntheticRun({
      dir,
      classes: 6,
      samplesPerClass: 30,
      secondModel: true,
      visuals: true,
      classNames: { 5: '<img src=x onerror="window.__xss=1">' },
      extractWarnings: ['m.onnx: 53 int8 (u8s8) conv/matmul nodes <img src=x onerror="window.__xss=3">'],
    });
    created = createStudy(run.runDir, {
      features: 'top-modes',
      workersPerTask: 2,
      annotators: 2,
      goldFraction: 0,
    });
    server = await startServer({ runDir: run.runDir, port: 0, webRoot: WEB_DIST });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => console.error('page error:', e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('walks overview -> class -> mode -> feature', async () => {
    await page.goto(`${server.url}/`);
    await page.getByTestId('class-table').waitFor();
    expect(await page.getByTestId('class-table').locator('tbody tr').count()).toBe(6);
    // A hostile class name is text, not markup.
    expect(await page.getByText('<img src=x onerror="window.__xss=1">').count()).toBe(1);
    // Extraction's warnings (e.g. int8 saturation) stand above the table, as text.
    expect(await page.getByTestId('run-warning').textContent()).toContain(
      '53 int8 (u8s8) conv/matmul nodes <img',
    );
    await shot('01-overview');

    await page.getByTestId('class-link-0').click();
    await page.getByTestId('class-title').waitFor();
    await page.locator('svg.failure-tree').waitFor();
    expect(await page.locator('svg.failure-tree g.tree-node').count()).toBe(3);
    await shot('02-class');
    // Re-run the class in place with a deeper tree: the page swaps in the new tree without a reload.
    await page.getByTestId('setting-depth').fill('2');
    await page.getByTestId('rerun').click();
    await page.getByText('re-run with edited settings').waitFor();
    await page.locator('svg.failure-tree').waitFor();

    await page.getByTestId('mode-link-1').click();
    await page.getByTestId('mode-rule').waitFor();
    expect(await page.getByTestId('mode-rule').textContent()).toContain(`feature ${run.modeFeature(0)}`);
    await page.getByTestId('members-failures').locator('img').first().waitFor();
    const csv = await page.request.get(
      `${server.url}${await page.getByTestId('export').getAttribute('href')}`,
    );
    expect((await csv.text()).split('\n')[0]).toContain('row,id,label');
    await shot('03-mode');

    await page.getByTestId(`feature-link-${run.modeFeature(0)}`).click();
    await page.getByTestId('feature-title').waitFor();
    await page.getByTestId('top-images').locator('img').first().waitFor();
    expect(await page.getByTestId('heatmaps').locator('img').count()).toBe(3);
    expect(await page.getByTestId('feature-rules').locator('li').count()).toBeGreaterThan(0);
    await shot('04-feature');

    await page.goto(`${server.url}/compare`);
    await page.getByTestId('compare-table').waitFor();
    await shot('05-compare');
    expect(await page.evaluate('window.__xss')).toBeUndefined();
  });

  it('completes a study task; the answer is stored and shown as text', async () => {
    const token = created.annotatorTokens[0].token;
    const hostile = '<script>window.__xss=2</script><b>handle</b>';
    await page.goto(`${server.url}/study/${token}`);
    await page.getByTestId('study-form').waitFor();
    const firstClass = await page.getByTestId('study-class').textContent();
    await shot('06-study-task');
    await page.getByTestId('answer-background').check();
    await page.getByTestId('confidence-4').check();
    await page.getByTestId('reasons').fill(hostile);
    await page.getByTestId('submit-answer').click();
    // The next task (or the thank-you page) replaces the first.
    await expect
      .poll(
        async () =>
          (await page.getByTestId('study-done').count()) > 0 ||
          (await page.getByTestId('study-class').textContent()) !== firstClass,
        { timeout: 15_000 },
      )
      .toBe(true);

    const answers = withStudy((s) => s.answers());
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ main: 'background', confidence: 4, reasons: hostile });
    const taskId = answers[0].taskId;

    await page.goto(`${server.url}/admin#${created.adminToken.token}`);
    await page.getByTestId('pair-table').waitFor();
    await page.getByTestId(`show-answers-${taskId}`).click();
    await page.getByTestId(`answers-${taskId}`).waitFor();
    expect(await page.getByTestId(`answers-${taskId}`).textContent()).toContain(hostile);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    await shot('07-admin');

    // Accepting a name puts it into every rule.
    await page.getByTestId(`name-input-${taskId}`).fill('jug handle');
    await page.getByTestId(`accept-${taskId}`).click();
    await expect
      .poll(() => page.getByTestId(`accepted-${taskId}`).textContent(), { timeout: 15_000 })
      .toBe('jug handle');
    const feature = withStudy((s) => s.task(taskId).featureIndex);
    await page.goto(`${server.url}/feature/${feature}`);
    await page.getByTestId('feature-title').waitFor();
    expect(await page.getByTestId('feature-title').textContent()).toContain("'jug handle'");
    expect(await page.getByTestId('feature-rules').textContent()).toContain(
      `feature ${feature} 'jug handle'`,
    );
  });
});

describe.skipIf(!hasChromium)('1000-class overview', () => {
  let dir: string;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    ensureWebBuild();
    dir = mkdtempSync(join(tmpdir(), 'faultline-e2e-1000-'));
    await buildSyntheticRun({ dir, classes: 1000, samplesPerClass: 6, distinctImages: 4 });
    server = await startServer({ runDir: join(dir, 'run'), port: 0, webRoot: WEB_DIST });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('paints the first page of classes in under 2 s and searches', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.url}/`);
    await page.getByTestId('class-table').locator('tbody tr').first().waitFor();
    // Milliseconds from navigation start to the first rows on screen, measured by the page itself.
    const elapsed = await page.evaluate(() => performance.now());
    // The target is 2 s on an idle machine; on a shared, overloaded one (load average above the core count) the
    // budget grows with the load so the test measures the app, not the neighbours. The number is always logged.
    const load = Math.min(4, Math.max(1, loadavg()[0] / availableParallelism()));
    console.log(
      `1000-class overview: first table paint after ${Math.round(elapsed)} ms (load factor ${load.toFixed(1)})`,
    );
    expect(elapsed).toBeLessThan(2000 * load);
    expect(await page.getByTestId('class-table').locator('tbody tr').count()).toBe(50);
    await page.getByTestId('class-search').fill('class_999');
    await expect
      .poll(() => page.getByTestId('class-table').locator('tbody tr').count(), { timeout: 15_000 })
      .toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, '08-overview-1000.png') });
  });
});
