/**
 * The annotator's page (docs/method.md §7): class name and examples, the feature's top images, heatmaps and
 * attacks, then the three questions. No account: the token in the link identifies the annotator.
 */
import { useState, type FormEvent } from 'react';
import type { StudyTaskResponse } from '../../../src/shared/api/explorer';
import type { SubmitResult } from '../../../src/shared/api/study';
import { imageUrl, postJson } from '../api';
import { useFetch } from '../use-fetch';
import { Strip } from '../components/Images';

const CHOICES = [
  { value: 'main_object', label: 'on the main object (part of it)' },
  { value: 'separate_object', label: 'on a separate object' },
  { value: 'background', label: 'on the background' },
] as const;

export function StudyTask(props: { token: string }) {
  const { data, error, reload } = useFetch<StudyTaskResponse>(
    `/api/study/task/${encodeURIComponent(props.token)}`,
  );
  if (error) return <p className="error">{error}</p>;
  if (!data) return <p>loading…</p>;
  if (!data.task) {
    return (
      <section>
        <h1>Thank you!</h1>
        <p data-testid="study-done">You have answered every task ({data.answered} answers).</p>
      </section>
    );
  }
  return <TaskForm key={data.task.taskId} token={props.token} data={data} onDone={reload} />;
}

function TaskForm(props: { token: string; data: StudyTaskResponse; onDone: () => void }) {
  const task = props.data.task!;
  const [main, setMain] = useState<string | null>(null);
  const [confidence, setConfidence] = useState<number | null>(null);
  const [reasons, setReasons] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const v = props.data.visuals;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!main || !confidence) {
      setError('Please answer where the region is and how confident you are.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await postJson<SubmitResult>(`/api/study/task/${encodeURIComponent(props.token)}/answers`, {
        taskId: task.taskId,
        main,
        confidence,
        reasons,
      });
      props.onDone();
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };
  return (
    <section className="study">
      <p className="muted">Task {props.data.answered + 1}</p>
      <h1 data-testid="study-class">
        Class: {task.className ?? `class ${task.classIndex}`} {task.wnid && <small>{task.wnid}</small>}
      </h1>
      <h3>Ordinary examples of this class</h3>
      <div className="strip-row">
        {props.data.examples.map((ex) => (
          <img key={ex.row} src={imageUrl(ex.row, 160)} alt="class example" width={128} height={128} />
        ))}
      </div>
      <p>
        The images below show where one visual attribute fires. Heatmaps highlight it in red; the attacked
        images amplify it.
      </p>
      {v ? (
        <>
          <Strip title="images where the attribute is strongest" urls={v.top} />
          <Strip title="heatmaps (red = attribute)" urls={v.heatmaps} />
          <Strip title="attribute amplified" urls={v.attacks} />
        </>
      ) : (
        <p className="warn">No pictures are available for this task.</p>
      )}
      <form onSubmit={(e) => void submit(e)} data-testid="study-form">
        <fieldset>
          <legend>1. Where is the highlighted region?</legend>
          {CHOICES.map((c) => (
            <label key={c.value} className="choice">
              <input
                type="radio"
                name="main"
                value={c.value}
                checked={main === c.value}
                onChange={() => setMain(c.value)}
                data-testid={`answer-${c.value}`}
              />{' '}
              {c.label}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>2. How confident are you? (1 = guess, 5 = certain)</legend>
          {[1, 2, 3, 4, 5].map((n) => (
            <label key={n} className="choice inline">
              <input
                type="radio"
                name="confidence"
                value={n}
                checked={confidence === n}
                onChange={() => setConfidence(n)}
                data-testid={`confidence-${n}`}
              />{' '}
              {n}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>3. What is the attribute, and why do you think so?</legend>
          <textarea
            value={reasons}
            maxLength={2000}
            rows={4}
            onChange={(e) => setReasons(e.target.value)}
            data-testid="reasons"
          />
        </fieldset>
        {error && <p className="error">{error}</p>}
        <button type="submit" disabled={busy} data-testid="submit-answer">
          {busy ? 'saving…' : 'submit and continue'}
        </button>
      </form>
    </section>
  );
}
