/** One failure mode: the rule in words, train/held-out metrics, member failures and successes, CSV export. */
import { useState } from 'react';
import type { MembersResponse, ModeResponse } from '../../../src/shared/api/explorer';
import { num, pct } from '../format';
import { Link } from '../router';
import { useFetch } from '../use-fetch';
import { MetricsTable } from '../components/Metrics';
import { MemberGrid } from '../components/Images';
import { Pager } from '../components/Pager';

export function ModePage(props: { modeId: string }) {
  const { data, error } = useFetch<ModeResponse>(`/api/modes/${props.modeId}`);
  if (error) return <p className="error">{error}</p>;
  if (!data) return <p>loading…</p>;
  const m = data.mode;
  return (
    <section>
      <p>
        <Link to={`/class/${data.classIndex}`}>← {data.className}</Link>
      </p>
      <h1>Failure mode {m.rank}</h1>
      <p className="rule" data-testid="mode-rule">
        {m.rule}
      </p>
      <p>
        error rate {pct(m.train.errorRate)} (base {pct(data.baseErrorRate)}), covers{' '}
        {pct(m.train.errorCoverage)} of the errors, importance {num(m.train.importance)}
      </p>
      <MetricsTable
        train={m.train}
        heldOut={m.heldOut}
        baseErrorRate={data.baseErrorRate}
        generalises={m.generalises}
      />
      {m.comparison && (
        <table className="metrics">
          <caption>same rule under the other model</caption>
          <tbody>
            {Object.entries(m.comparison).map(([name, c]) => (
              <tr key={name}>
                <th>{name}</th>
                <td>error rate {pct(c.errorRate)}</td>
                <td>base {pct(c.baseErrorRate)}</td>
                <td>coverage {pct(c.errorCoverage)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        features:{' '}
        {[...new Set(m.conditions.map((c) => c.feature))].map((f) => (
          <Link key={f} to={`/feature/${f}`} className="chip" testId={`feature-link-${f}`}>
            feature {f}
          </Link>
        ))}
      </p>
      <p>
        <a className="button" href={`/api/modes/${m.id}/export.csv`} download data-testid="export">
          export members as CSV ({m.memberCount})
        </a>
      </p>
      <Members modeId={m.id} kind="failures" total={data.failures} />
      <Members modeId={m.id} kind="successes" total={data.successes} />
    </section>
  );
}

function Members(props: { modeId: string; kind: 'failures' | 'successes'; total: number }) {
  const [page, setPage] = useState(1);
  const { data, error } = useFetch<MembersResponse>(
    `/api/modes/${props.modeId}/members?kind=${props.kind}&page=${page}&pageSize=24`,
  );
  return (
    <div>
      <h2>
        {props.kind === 'failures' ? 'Failures' : 'Successes'} in this mode ({props.total})
      </h2>
      {error && <p className="error">{error}</p>}
      {data && (
        <>
          <MemberGrid items={data.items} testId={`members-${props.kind}`} />
          {data.total > data.pageSize && (
            <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />
          )}
        </>
      )}
    </div>
  );
}
