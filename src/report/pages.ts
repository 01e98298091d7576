/** The report's pages as HTML strings; every value goes through `html` (escaped). Links are relative. */
import type {
  ClassResponse,
  FeatureResponse,
  MemberRow,
  ModeResponse,
  OverviewResponse,
} from '../shared/api/explorer.js';
import type { PairResult } from '../study/index.js';
import { html, localUrl, type SafeHtml } from './html.js';
import { treeSvg } from './tree-svg.js';

export const STYLE = `body{font-family:system-ui,sans-serif;margin:0;color:#1d1d1f;background:#fafafa;font-size:14px}
header{background:#202833;padding:.6rem 1.2rem}header a{color:#f2f2f2;text-decoration:none;font-weight:700}
main{padding:1rem 1.5rem 3rem;max-width:1400px}table{border-collapse:collapse;margin:.5rem 0 1rem}
th,td{text-align:left;padding:.25rem .6rem;border-bottom:1px solid #e2e2e2;vertical-align:top}thead th{background:#f0f0f0}
.summary span{display:inline-block;background:#eef1f5;padding:.15rem .5rem;border-radius:4px;margin:.2rem .4rem .2rem 0}
.rule{font-family:ui-monospace,monospace;background:#fff7e6;padding:.5rem;font-size:1.1rem}
.grid{display:flex;flex-wrap:wrap;gap:.6rem}.grid figure{margin:0;width:130px;font-size:.75rem;overflow:hidden}
.grid img{border:3px solid #ccc;object-fit:cover}.grid .failure img{border-color:#d33}.grid .success img{border-color:#3a3}
.strip{display:flex;gap:.4rem;flex-wrap:wrap}.strip img{border:1px solid #ccc}
svg.tree text{font-size:11px}svg.tree .edge{font-family:ui-monospace,monospace;font-size:10px}
.warn{color:#8a5a00}`;

const pct = (x: number | null | undefined) =>
  x === null || x === undefined || Number.isNaN(x) ? '–' : `${(x * 100).toFixed(1)}%`;
const num = (x: number | null | undefined) =>
  x === null || x === undefined ? '–' : Number(x.toFixed(3)).toString();

/** A whole page; `depth` = folders below the report root, for relative links to style.css and the index. */
export function page(title: string, depth: number, body: SafeHtml): string {
  const up = '../'.repeat(depth);
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta
          http-equiv="Content-Security-Policy"
          content="default-src 'none'; img-src 'self'; style-src 'self'"
        />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · faultline report</title>
        <link rel="stylesheet" href="${up}style.css" />
      </head>
      <body>
        <header><a href="${up}index.html">faultline report</a></header>
        <main>${body}</main>
      </body>
    </html> `.value;
}

export const classHref = (classIndex: number) => `classes/${classIndex}.html`;
export const modeHref = (modeId: string) => `modes/${modeId.replace('/', '-')}.html`;
export const featureHref = (feature: number) => `features/${feature}.html`;

export function overviewPage(o: OverviewResponse, generatedAt: string): string {
  const rows = o.classes.map(
    (c) =>
      html`<tr>
        <td>${c.classIndex}</td>
        <td><a href="${localUrl(classHref(c.classIndex))}">${c.className}</a></td>
        <td>${c.n}</td>
        <td>${c.failures}</td>
        <td>${pct(c.baseErrorRate)}</td>
        <td>${c.skippedReason ? '–' : c.modeCount}</td>
        <td>${num(c.topModeImportance)}</td>
      </tr>`,
  );
  return page(
    `Overview of ${o.runName}`,
    0,
    html`<h1>Overview of ${o.runName}</h1>
      <div class="summary">
        <span>${o.samples} samples</span><span>${o.classCount} classes</span
        ><span>grouped by ${o.groupBy}</span>
        ${o.predictionSets.map((s) => html`<span>accuracy (${s.name}) ${pct(s.accuracy)}</span>`)}<span
          >generated ${generatedAt}</span
        >
      </div>
      ${o.hasDiscovery ? '' : html`<p class="warn">No discovery.json: run faultline discover first.</p>`}
      ${o.warnings.map((w) => html`<p class="warn">warning from extraction: ${w}</p>`)}
      <p>Classes ranked by base error rate.</p>
      <table>
        <thead>
          <tr>
            <th>#</th>
            <th>class</th>
            <th>n</th>
            <th>failures</th>
            <th>base error rate</th>
            <th>modes</th>
            <th>top-mode importance</th>
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>`,
  );
}

export function classPage(c: ClassResponse, names: ReadonlyMap<number, string>): string {
  const modeLinks = new Map(c.modes.map((m) => [m.leaf, `../${modeHref(m.id)}`]));
  const modes = c.modes.map(
    (m) =>
      html`<tr>
        <td>${m.rank}</td>
        <td><a href="${localUrl(`../${modeHref(m.id)}`)}">${m.rule}</a></td>
        <td>${pct(m.train.errorRate)} / ${pct(m.heldOut?.errorRate)}</td>
        <td>${pct(m.train.errorCoverage)} / ${pct(m.heldOut?.errorCoverage)}</td>
        <td>${num(m.train.importance)}</td>
        <td>${m.generalises === null ? '–' : m.generalises ? 'yes' : 'no'}</td>
      </tr>`,
  );
  return page(
    c.class.className,
    1,
    html`<h1>${c.class.className} <small>class ${c.class.classIndex}</small></h1>
      <div class="summary">
        <span>n ${c.class.n}</span><span>failures ${c.class.failures}</span
        ><span>base error rate ${pct(c.class.baseErrorRate)}</span> <span>ALER ${num(c.aler)}</span
        ><span>precision ${pct(c.precision)}</span><span>recall ${pct(c.recall)}</span>
        <span
          >depth ${c.settings.depth}, min leaf ${c.settings.minLeaf}, top-K ${c.settings.topFeatures}</span
        >
      </div>
      ${c.class.skippedReason ? html`<p class="warn">No tree: ${c.class.skippedReason}</p>` : ''}
      ${c.tree ? treeSvg(c.tree, modeLinks, names) : ''}
      <h2>Failure modes</h2>
      <table>
        <thead>
          <tr>
            <th>rank</th>
            <th>rule</th>
            <th>error rate (train / held-out)</th>
            <th>coverage (train / held-out)</th>
            <th>importance</th>
            <th>generalises</th>
          </tr>
        </thead>
        <tbody>
          ${modes}
        </tbody>
      </table>`,
  );
}

function grid(items: MemberRow[], imageOf: (row: number) => string | null): SafeHtml {
  return html`<div class="grid">
    ${items.map((m) => {
      const src = imageOf(m.row);
      return html`<figure class="${m.failure ? 'failure' : 'success'}">
        ${src ? html`<img src="${localUrl(src)}" alt="${m.id}" width="120" height="120" />` : ''}
        <figcaption>${m.id}<br />label ${m.labelName}<br />predicted ${m.predictionName}</figcaption>
      </figure>`;
    })}
  </div>`;
}

export function modePage(
  m: ModeResponse,
  members: { failures: MemberRow[]; successes: MemberRow[] },
  imageOf: (row: number) => string | null,
  csvHref: string,
): string {
  const mode = m.mode;
  const features = [...new Set(mode.conditions.map((c) => c.feature))];
  return page(
    `Failure mode ${mode.id}`,
    1,
    html`<p><a href="${localUrl(`../${classHref(m.classIndex)}`)}">← ${m.className}</a></p>
      <h1>Failure mode ${mode.rank} of ${m.className}</h1>
      <p class="rule">${mode.rule}</p>
      <table>
        <thead>
          <tr>
            <th></th>
            <th>n</th>
            <th>failures</th>
            <th>error rate</th>
            <th>base error rate</th>
            <th>coverage</th>
            <th>importance</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th>train</th>
            <td>${mode.train.n}</td>
            <td>${mode.train.failures}</td>
            <td>${pct(mode.train.errorRate)}</td>
            <td>${pct(m.baseErrorRate)}</td>
            <td>${pct(mode.train.errorCoverage)}</td>
            <td>${num(mode.train.importance)}</td>
          </tr>
          ${
            mode.heldOut
              ? html`<tr>
                  <th>held-out</th>
                  <td>${mode.heldOut.n}</td>
                  <td>${mode.heldOut.failures}</td>
                  <td>${pct(mode.heldOut.errorRate)}</td>
                  <td>${pct(mode.heldOut.baseErrorRate)}</td>
                  <td>${pct(mode.heldOut.errorCoverage)}</td>
                  <td>${num(mode.heldOut.importance)}</td>
                </tr>`
              : ''
          }
        </tbody>
      </table>
      <p>
        features:
        ${features.map((f) => html`<a href="${localUrl(`../${featureHref(f)}`)}">feature ${f}</a> `)}
      </p>
      <p><a href="${localUrl(csvHref)}">members as CSV (${mode.memberCount})</a></p>
      <h2>
        Failures
        (${m.failures}${members.failures.length < m.failures ? html`, first ${members.failures.length} shown` : ''})
      </h2>
      ${grid(members.failures, imageOf)}
      <h2>
        Successes
        (${m.successes}${members.successes.length < m.successes ? html`, first ${members.successes.length} shown` : ''})
      </h2>
      ${grid(members.successes, imageOf)}`,
  );
}

export function featurePage(f: FeatureResponse, visualHref: (url: string) => string | null): string {
  const strip = (title: string, urls: string[]) => {
    const srcs = urls.map(visualHref).filter((u): u is string => u !== null);
    return srcs.length === 0
      ? ''
      : html`<h4>${title}</h4>
          <div class="strip">
            ${srcs.map((s) => html`<img src="${localUrl(s)}" alt="${title}" width="128" height="128" />`)}
          </div>`;
  };
  const study = f.study as PairResult[];
  return page(
    `feature ${f.feature}`,
    1,
    html`<h1>feature ${f.feature}${f.name ? html` '${f.name}'` : ''}</h1>
      ${f.visuals.map(
        (v) =>
          html`<h3><a href="${localUrl(`../${classHref(v.classIndex)}`)}">${v.className}</a></h3>
            ${strip('top images', v.top)}${strip('heatmaps', v.heatmaps)}${strip('feature attacks', v.attacks)}`,
      )}
      <h2>Study results</h2>
      ${
        study.length === 0
          ? html`<p>Not in a study.</p>`
          : html`<table>
              <thead>
                <tr>
                  <th>class</th>
                  <th>answers</th>
                  <th>main / separate / background</th>
                  <th>verdict</th>
                  <th>proposed names</th>
                </tr>
              </thead>
              <tbody>
                ${study.map(
                  (p) =>
                    html`<tr>
                      <td>${p.className ?? p.classIndex}</td>
                      <td>${p.answers}</td>
                      <td>${p.counts.main_object} / ${p.counts.separate_object} / ${p.counts.background}</td>
                      <td>${p.verdict}</td>
                      <td>${p.proposedNames.map((n) => n.name).join(', ')}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
      <h2>Rules using this feature</h2>
      <ul>
        ${f.rules.map((r) => html`<li><a href="${localUrl(`../${modeHref(r.modeId)}`)}">${r.rule}</a> (importance ${num(r.importance)})</li>`)}
      </ul>`,
  );
}
