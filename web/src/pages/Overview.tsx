/** Classes ranked by base error rate or top-mode importance, paged on the server (1000-class runs stay fast). */
import { useEffect, useState } from 'react';
import type { OverviewResponse, OverviewSort } from '../../../src/shared/api/explorer';
import { num, pct } from '../format';
import { Link, navigate, useLocation } from '../router';
import { useFetch } from '../use-fetch';
import { Pager } from '../components/Pager';

const SORTS: { value: OverviewSort; label: string }[] = [
  { value: 'error', label: 'base error rate' },
  { value: 'importance', label: 'top-mode importance' },
  { value: 'failures', label: 'failures' },
  { value: 'name', label: 'name' },
  { value: 'index', label: 'class index' },
];

/** The overview API URL for the page's query string (main.tsx prefetches it for a first visit). */
export function overviewUrl(search: URLSearchParams): string {
  const page = Number(search.get('page') ?? '1') || 1;
  const sort = search.get('sort') ?? 'error';
  const q = search.get('q') ?? '';
  return `/api/overview?${new URLSearchParams({ page: String(page), pageSize: '50', sort, q }).toString()}`;
}

export function Overview() {
  const { search } = useLocation();
  const page = Number(search.get('page') ?? '1') || 1;
  const sort = (search.get('sort') as OverviewSort | null) ?? 'error';
  const q = search.get('q') ?? '';
  const [typed, setTyped] = useState(q);
  const go = (next: { page?: number; sort?: string; q?: string }) => {
    const params = new URLSearchParams({
      page: String(next.page ?? page),
      sort: next.sort ?? sort,
      q: next.q ?? q,
    });
    navigate(`/?${params.toString()}`);
  };
  useEffect(() => {
    if (typed === q) return;
    const timer = window.setTimeout(() => go({ q: typed, page: 1 }), 250);
    return () => window.clearTimeout(timer);
  });
  const { data, error } = useFetch<OverviewResponse>(overviewUrl(search));
  return (
    <section>
      <h1>Overview</h1>
      {error && <p className="error">{error}</p>}
      {data && (
        <div className="summary" data-testid="overview-summary">
          <span>run {data.runName}</span>
          <span>{data.samples} samples</span>
          <span>{data.classCount} classes</span>
          <span>grouped by {data.groupBy}</span>
          {data.predictionSets.map((s) => (
            <span key={s.name}>
              accuracy ({s.name}) {pct(s.accuracy)}
            </span>
          ))}
          {data.predictionSets.length > 1 && <Link to="/compare">compare models</Link>}
          {!data.hasDiscovery && (
            <span className="warn">no discovery.json yet: run `faultline discover`</span>
          )}
        </div>
      )}
      {data?.warnings.map((w) => (
        <p key={w} className="warn" data-testid="run-warning">
          warning from extraction: {w}
        </p>
      ))}
      <div className="controls">
        <input
          type="search"
          placeholder="search classes (name, index, wnid)"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          aria-label="search classes"
          data-testid="class-search"
        />
        <label>
          rank by{' '}
          <select value={sort} onChange={(e) => go({ sort: e.target.value, page: 1 })} data-testid="sort">
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {data && (
        <>
          <table className="classes" data-testid="class-table">
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
              {data.classes.map((c) => (
                <tr key={c.classIndex}>
                  <td>{c.classIndex}</td>
                  <td>
                    <Link to={`/class/${c.classIndex}`} testId={`class-link-${c.classIndex}`}>
                      {c.className}
                    </Link>
                  </td>
                  <td>{c.n}</td>
                  <td>{c.failures}</td>
                  <td>
                    <span className="bar" style={{ width: `${Math.round(c.baseErrorRate * 60)}px` }} />
                    {pct(c.baseErrorRate)}
                  </td>
                  <td>{c.skippedReason ? <span title={c.skippedReason}>–</span> : c.modeCount}</td>
                  <td>{num(c.topModeImportance)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager
            page={data.page}
            pageSize={data.pageSize}
            total={data.total}
            onPage={(p) => go({ page: p })}
          />
        </>
      )}
    </section>
  );
}
