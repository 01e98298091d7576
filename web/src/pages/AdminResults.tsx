/**
 * The owner's study results: totals, per-pair verdicts, annotator quality, the free-text answers (rendered as
 * text) and accepting a proposed name. The admin token comes from the link's #fragment (never sent in URLs or
 * logs) and is sent as a bearer header.
 */
import { useState } from 'react';
import type { StudyAnswersResponse } from '../../../src/shared/api/explorer';
import type { PairResult, StudyResults } from '../../../src/shared/api/study';
import { getJson, postJson } from '../api';
import { num, pct } from '../format';
import { Link } from '../router';
import { useFetch } from '../use-fetch';
import { Pager } from '../components/Pager';

const PAIRS_PER_PAGE = 100;

export function AdminResults() {
  const [token, setToken] = useState(() => window.location.hash.slice(1));
  const [typed, setTyped] = useState('');
  const [page, setPage] = useState(1);
  const [filter, setFilter] = useState('');
  const auth = { authorization: `Bearer ${token}` };
  const { data, error, reload } = useFetch<StudyResults>(token ? '/api/study/admin/results' : null, auth);
  if (!token) {
    return (
      <section>
        <h1>Study results</h1>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            window.location.hash = typed;
            setToken(typed);
          }}
        >
          <label>
            admin token{' '}
            <input value={typed} onChange={(e) => setTyped(e.target.value)} data-testid="admin-token" />
          </label>
          <button type="submit">open</button>
        </form>
      </section>
    );
  }
  if (error) return <p className="error">{error}</p>;
  if (!data) return <p>loading…</p>;
  const t = data.totals;
  // Imported crowd studies have thousands of pairs: filter and page them here (the results come in one response).
  const needle = filter.trim().toLowerCase();
  const pairs = needle
    ? data.pairs.filter(
        (p) =>
          (p.className ?? '').toLowerCase().includes(needle) ||
          String(p.featureIndex) === needle ||
          p.verdict === needle,
      )
    : data.pairs;
  const shown = pairs.slice((page - 1) * PAIRS_PER_PAGE, page * PAIRS_PER_PAGE);
  return (
    <section>
      <h1>Study results</h1>
      <div className="summary" data-testid="study-totals">
        <span>{t.pairs} pairs</span>
        <span>{t.answers} answers</span>
        <span>
          main {pct(t.shares.main_object)} / separate {pct(t.shares.separate_object)} / background{' '}
          {pct(t.shares.background)}
        </span>
        <span>unanimous {pct(t.unanimousShare)}</span>
        <span>spurious pairs {t.spuriousPairs}</span>
        <span>Fleiss' kappa {num(t.fleissKappa)}</span>
        <span>
          annotators {t.annotators} ({t.flaggedAnnotators} flagged, {t.excludedAnswers} answers excluded)
        </span>
      </div>
      <div className="controls">
        <input
          type="search"
          placeholder="filter: class name, feature index, spurious / core / pending"
          value={filter}
          onChange={(e) => {
            setFilter(e.target.value);
            setPage(1);
          }}
          aria-label="filter pairs"
        />
      </div>
      <table className="metrics" data-testid="pair-table">
        <thead>
          <tr>
            <th>class</th>
            <th>feature</th>
            <th>answers</th>
            <th>main / sep. / bg.</th>
            <th>verdict</th>
            <th>unanimous</th>
            <th>confidence</th>
            <th>name</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {shown.map((p) => (
            <PairRow key={p.taskId} pair={p} auth={auth} onChange={reload} />
          ))}
        </tbody>
      </table>
      {pairs.length > PAIRS_PER_PAGE && (
        <Pager page={page} pageSize={PAIRS_PER_PAGE} total={pairs.length} onPage={setPage} />
      )}
      <h2>Annotators</h2>
      <table className="metrics">
        <thead>
          <tr>
            <th>id</th>
            <th>answers</th>
            <th>gold right / answered</th>
            <th>flagged</th>
          </tr>
        </thead>
        <tbody>
          {data.annotators.map((a) => (
            <tr key={a.annotatorId}>
              <td>{a.externalId ?? a.annotatorId}</td>
              <td>{a.answers}</td>
              <td>
                {a.goldCorrect} / {a.goldAnswers}
              </td>
              <td>{a.flagged ? 'yes' : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function PairRow(props: { pair: PairResult; auth: Record<string, string>; onChange: () => void }) {
  const p = props.pair;
  const [answers, setAnswers] = useState<StudyAnswersResponse['answers'] | null>(null);
  const [name, setName] = useState(p.proposedNames[0]?.name ?? '');
  const [error, setError] = useState<string | null>(null);
  const accept = async () => {
    try {
      await postJson('/api/study/admin/names', { feature: p.featureIndex, name }, props.auth);
      props.onChange();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const show = async () => {
    try {
      const r = await getJson<StudyAnswersResponse>(`/api/study/admin/tasks/${p.taskId}/answers`, props.auth);
      setAnswers(r.answers);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <>
      <tr>
        <td>{p.className ?? p.classIndex}</td>
        <td>
          <Link to={`/feature/${p.featureIndex}`}>{p.featureIndex}</Link>
        </td>
        <td>{p.answers}</td>
        <td>
          {p.counts.main_object} / {p.counts.separate_object} / {p.counts.background}
        </td>
        <td>{p.verdict}</td>
        <td>{p.unanimous ? 'yes' : ''}</td>
        <td>{num(p.meanConfidence, 2)}</td>
        <td data-testid={`accepted-${p.taskId}`}>{p.acceptedName ?? ''}</td>
        <td>
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            list={`names-${p.taskId}`}
            aria-label="feature name"
            data-testid={`name-input-${p.taskId}`}
          />
          <datalist id={`names-${p.taskId}`}>
            {p.proposedNames.map((n) => (
              <option key={n.name} value={n.name} />
            ))}
          </datalist>
          <button onClick={() => void accept()} disabled={!name.trim()} data-testid={`accept-${p.taskId}`}>
            accept name
          </button>
          <button onClick={() => void show()} data-testid={`show-answers-${p.taskId}`}>
            answers
          </button>
          {error && <span className="error">{error}</span>}
        </td>
      </tr>
      {answers && (
        <tr>
          <td colSpan={9}>
            <ul className="answers" data-testid={`answers-${p.taskId}`}>
              {answers.map((a) => (
                <li key={a.answerId}>
                  <b>{a.main}</b> (confidence {a.confidence}, {a.workerId}): {a.reasons}
                </li>
              ))}
            </ul>
          </td>
        </tr>
      )}
    </>
  );
}
