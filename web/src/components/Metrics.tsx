import type { LeafMetrics } from '../../../src/shared/api/discovery';
import { num, pct } from '../format';

/** Train and held-out leaf metrics side by side. */
export function MetricsTable(props: {
  train: LeafMetrics;
  heldOut: (LeafMetrics & { baseErrorRate: number }) | null;
  baseErrorRate: number;
  generalises: boolean | null;
}) {
  const { train, heldOut } = props;
  return (
    <table className="metrics">
      <thead>
        <tr>
          <th></th>
          <th>n</th>
          <th>failures</th>
          <th>error rate</th>
          <th>base error rate</th>
          <th>error coverage</th>
          <th>importance</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <th>train</th>
          <td>{train.n}</td>
          <td>{train.failures}</td>
          <td>{pct(train.errorRate)}</td>
          <td>{pct(props.baseErrorRate)}</td>
          <td>{pct(train.errorCoverage)}</td>
          <td>{num(train.importance)}</td>
        </tr>
        {heldOut && (
          <tr>
            <th>held-out</th>
            <td>{heldOut.n}</td>
            <td>{heldOut.failures}</td>
            <td>{pct(heldOut.errorRate)}</td>
            <td>{pct(heldOut.baseErrorRate)}</td>
            <td>{pct(heldOut.errorCoverage)}</td>
            <td>{num(heldOut.importance)}</td>
          </tr>
        )}
      </tbody>
      {props.generalises !== null && (
        <caption>
          {props.generalises
            ? 'generalises to the held-out part'
            : 'does not generalise to the held-out part'}
        </caption>
      )}
    </table>
  );
}
