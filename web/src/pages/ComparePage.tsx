/** Two prediction sets side by side: per-class accuracy (largest change first) and modes under both models. */
import { useState } from 'react';
import type { CompareResponse } from '../../../src/shared/api/explorer';
import { pct } from '../format';
import { Link } from '../router';
import { useFetch } from '../use-fetch';
import { Pager } from '../components/Pager';

export function ComparePage() {
  const [page, setPage] = useState(1);
  const { data, error } = useFetch<CompareResponse>(`/api/compare?page=${page}&pageSize=50`);
  if (error) return <p className="error">{error}</p>;
  if (!data) return <p>loading…</p>;
  const names = data.sets.map((s) => s.name);
  return (
    <section>
      <p>
        <Link to="/">← overview</Link>
      </p>
      <h1>Model comparison</h1>
      <div className="summary">
        {data.sets.map((s) => (
          <span key={s.name}>
            {s.name}: accuracy {pct(s.accuracy)}
          </span>
        ))}
      </div>
      <h2>Classes, largest change first</h2>
      <table className="classes" data-testid="compare-table">
        <thead>
          <tr>
            <th>class</th>
            <th>n</th>
            {names.map((n) => (
              <th key={n}>{n}</th>
            ))}
            <th>change</th>
          </tr>
        </thead>
        <tbody>
          {data.rows.map((r) => (
            <tr key={r.classIndex}>
              <td>
                <Link to={`/class/${r.classIndex}`}>{r.className}</Link>
              </td>
              <td>{r.n}</td>
              {names.map((n) => (
                <td key={n}>{pct(r.accuracy[n])}</td>
              ))}
              <td>{(r.delta >= 0 ? '+' : '') + pct(r.delta)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />
      {data.modes.length > 0 && (
        <>
          <h2>Failure modes under both models</h2>
          <table className="metrics">
            <thead>
              <tr>
                <th>rule</th>
                <th>error rate ({names[0]})</th>
                {Object.keys(data.modes[0].other).map((n) => (
                  <th key={n}>error rate ({n})</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.modes.map((m) => (
                <tr key={m.id}>
                  <td>
                    <Link to={`/mode/${m.id}`}>{m.rule}</Link>
                  </td>
                  <td>{pct(m.train.errorRate)}</td>
                  {Object.entries(m.other).map(([n, o]) => (
                    <td key={n}>{pct(o.errorRate)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
