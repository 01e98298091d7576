/** One class: its failure tree, the tree's settings (editable, re-run in place) and its modes. */
import { useState } from 'react';
import type { ClassResponse, DiscoverySettings } from '../../../src/shared/api/explorer';
import { postJson } from '../api';
import { num, pct } from '../format';
import { Link } from '../router';
import { useFetch } from '../use-fetch';
import { FailureTree } from '../components/FailureTree';

export function ClassPage(props: { classIndex: number }) {
  const { data: loaded, error } = useFetch<ClassResponse>(`/api/classes/${props.classIndex}`);
  const [edited, setEdited] = useState<ClassResponse | null>(null);
  const data = edited && edited.class.classIndex === props.classIndex ? edited : loaded;
  if (error) return <p className="error">{error}</p>;
  if (!data) return <p>loading…</p>;
  const modeByLeaf = new Map(data.modes.map((m) => [m.leaf, m.id]));
  return (
    <section>
      <p>
        <Link to="/">← overview</Link>
      </p>
      <h1 data-testid="class-title">
        {data.class.className} <small>class {data.class.classIndex}</small>
      </h1>
      <div className="summary">
        <span>
          {data.groupBy === 'prediction' ? 'predicted as this class' : 'labelled as this class'} (all splits):{' '}
          {data.class.n}
        </span>
        <span>failures {data.class.failures}</span>
        <span>base error rate {pct(data.class.baseErrorRate)}</span>
        {data.aler !== null && <span>ALER {num(data.aler)}</span>}
        {data.precision !== null && <span>precision {pct(data.precision)}</span>}
        {data.recall !== null && <span>recall {pct(data.recall)}</span>}
        {data.edited && (
          <span className="warn">re-run with edited settings (not saved to discovery.json)</span>
        )}
      </div>
      {data.class.skippedReason && <p className="warn">No tree: {data.class.skippedReason}</p>}
      <Settings data={data} onResult={setEdited} />
      {data.tree && (
        <div className="tree-wrap">
          <FailureTree
            nodes={data.tree}
            totalFailures={data.tree[0]?.failures ?? 0}
            modeByLeaf={modeByLeaf}
            featureNames={data.featureNames}
          />
        </div>
      )}
      <h2>Failure modes</h2>
      {data.modes.length === 0 && <p>No failure modes.</p>}
      <table className="modes" data-testid="mode-table">
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
          {data.modes.map((m) => (
            <tr key={m.id}>
              <td>{m.rank}</td>
              <td>
                <Link to={`/mode/${m.id}`} testId={`mode-link-${m.rank}`}>
                  {m.rule}
                </Link>
              </td>
              <td>
                {pct(m.train.errorRate)} / {pct(m.heldOut?.errorRate)}
              </td>
              <td>
                {pct(m.train.errorCoverage)} / {pct(m.heldOut?.errorCoverage)}
              </td>
              <td>{num(m.train.importance)}</td>
              <td>{m.generalises === null ? '–' : m.generalises ? 'yes' : 'no'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Selected features</h2>
      <p className="features">
        {data.selectedFeatures.slice(0, 50).map((f) => (
          <Link key={f.feature} to={`/feature/${f.feature}`} className="chip">
            {f.name ? `${f.feature} '${f.name}'` : String(f.feature)} ({num(f.score, 3)})
          </Link>
        ))}
      </p>
    </section>
  );
}

function Settings(props: { data: ClassResponse; onResult: (r: ClassResponse) => void }) {
  const [settings, setSettings] = useState<DiscoverySettings>(props.data.settings);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const field = (key: keyof DiscoverySettings, label: string, min: number, max: number) => (
    <label>
      {label}{' '}
      <input
        type="number"
        min={min}
        max={max}
        value={settings[key]}
        data-testid={`setting-${key}`}
        onChange={(e) => setSettings({ ...settings, [key]: Number(e.target.value) })}
      />
    </label>
  );
  const rerun = async () => {
    setBusy(true);
    setError(null);
    try {
      props.onResult(
        await postJson<ClassResponse>(`/api/classes/${props.data.class.classIndex}/rediscover`, settings),
      );
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="controls">
      {field('depth', 'depth', 1, 6)}
      {field('minLeaf', 'min leaf', 1, 100000)}
      {field('topFeatures', 'top-K features', 1, 4096)}
      <button disabled={busy || !props.data.canRediscover} onClick={() => void rerun()} data-testid="rerun">
        {busy ? 're-running…' : 're-run'}
      </button>
      {!props.data.canRediscover && <small>re-running is not available for this class</small>}
      {error && <span className="error">{error}</span>}
    </div>
  );
}
