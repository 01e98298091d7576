/** One robust feature: its pictures per class, its accepted name, its study results, every rule using it. */
import type { FeatureResponse } from '../../../src/shared/api/explorer';
import type { PairResult } from '../../../src/shared/api/study';
import { num, pct } from '../format';
import { Link } from '../router';
import { useFetch } from '../use-fetch';
import { Strip } from '../components/Images';

export function FeaturePage(props: { feature: number }) {
  const { data, error } = useFetch<FeatureResponse>(`/api/features/${props.feature}`);
  if (error) return <p className="error">{error}</p>;
  if (!data) return <p>loading…</p>;
  const study = data.study as PairResult[];
  return (
    <section>
      <p>
        <Link to="/">← overview</Link>
      </p>
      <h1 data-testid="feature-title">
        feature {data.feature}
        {data.name && <span className="name"> '{data.name}'</span>}
      </h1>
      {data.visuals.length === 0 && <p>No visuals for this feature yet (run `faultline explain`).</p>}
      {data.visuals.map((v) => (
        <div key={v.groupKey} className="visual-set">
          <h3>
            <Link to={`/class/${v.classIndex}`}>{v.className}</Link>
          </h3>
          <Strip title="top images" urls={v.top} testId="top-images" />
          <Strip title="heatmaps" urls={v.heatmaps} testId="heatmaps" />
          <Strip title="feature attacks" urls={v.attacks} testId="attacks" />
        </div>
      ))}
      <h2>Study results</h2>
      {study.length === 0 ? (
        <p>Not in a study.</p>
      ) : (
        <table className="metrics">
          <thead>
            <tr>
              <th>class</th>
              <th>answers</th>
              <th>main / separate / background</th>
              <th>majority</th>
              <th>verdict</th>
              <th>mean confidence</th>
              <th>proposed names</th>
            </tr>
          </thead>
          <tbody>
            {study.map((p) => (
              <tr key={p.taskId}>
                <td>{p.className ?? p.classIndex}</td>
                <td>{p.answers}</td>
                <td>
                  {p.counts.main_object} / {p.counts.separate_object} / {p.counts.background}
                </td>
                <td>{p.majority ?? '–'}</td>
                <td>{p.verdict}</td>
                <td>{num(p.meanConfidence, 2)}</td>
                <td>{p.proposedNames.map((n) => n.name).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Rules using this feature ({data.rules.length})</h2>
      <ul data-testid="feature-rules">
        {data.rules.map((r) => (
          <li key={r.modeId}>
            <Link to={`/mode/${r.modeId}`}>{r.rule}</Link> — importance {num(r.importance)} (
            {pct(r.importance)})
          </li>
        ))}
      </ul>
    </section>
  );
}
