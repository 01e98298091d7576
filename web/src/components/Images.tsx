import type { MemberRow } from '../../../src/shared/api/explorer';
import { imageUrl } from '../api';

/** A grid of sample images with their label and prediction (text only; names are rendered as text). */
export function MemberGrid(props: { items: MemberRow[]; testId?: string }) {
  return (
    <div className="grid" data-testid={props.testId}>
      {props.items.map((m) => (
        <figure key={m.row} className={m.failure ? 'failure' : 'success'}>
          <a href={imageUrl(m.row)} target="_blank" rel="noreferrer">
            <img src={imageUrl(m.row, 160)} alt={m.id} loading="lazy" width={120} height={120} />
          </a>
          <figcaption>
            <span title={m.id}>{m.id}</span>
            <br />
            label {m.labelName}
            <br />
            predicted {m.predictionName}
          </figcaption>
        </figure>
      ))}
    </div>
  );
}

/** A strip of visual files (top images, heatmaps or attacks). */
export function Strip(props: { title: string; urls: string[]; testId?: string }) {
  if (props.urls.length === 0) return null;
  return (
    <div className="strip">
      <h4>{props.title}</h4>
      <div className="strip-row" data-testid={props.testId}>
        {props.urls.map((u) => (
          <img key={u} src={u} alt={props.title} width={128} height={128} />
        ))}
      </div>
    </div>
  );
}
